//! Small building blocks shared by the pages.

mod field;

pub use field::{Alert, TextField};
