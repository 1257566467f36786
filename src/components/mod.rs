//! Small building blocks shared by the pages.

mod activity_panel;
mod connectivity;
mod field;
mod page_focus;
mod session_card;

pub use activity_panel::ActivityPanel;
pub use connectivity::ConnectivityBanner;
pub use field::{busy, field_message, focus_first_invalid, press, submit_with, Alert, TextField};
pub use page_focus::focus_on_page_change;
pub use session_card::SessionCard;
