//! [`Task`]: an async operation a page starts (a submit, a button), whether it is running, and
//! its last result.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use leptos::task::spawn_local;

type Run<I, O> = Box<dyn Fn(&I) -> Pin<Box<dyn Future<Output = O>>>>;

/// What the pages need of Leptos' `Action`, and no more: the operation, `pending`, the last
/// result, `clear`. Each `Action` type brings its own copy of Leptos' generic machinery (input
/// and version signals, a memo per `pending()` call) into the wasm; this keeps two plain signals
/// and one boxed closure.
///
/// The operation's future may outlive the page: when it ends after the page is gone, its result
/// is dropped and nothing disposed is touched. Nothing here panics on a disposed page.
pub struct Task<I: 'static, O: 'static> {
    run: StoredValue<Run<I, O>, LocalStorage>,
    /// Counts the dispatches: only the newest one's result is kept.
    dispatched: StoredValue<u32, LocalStorage>,
    pending: RwSignal<bool>,
    value: RwSignal<Option<O>, LocalStorage>,
}

impl<I: 'static, O: 'static> Clone for Task<I, O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I: 'static, O: 'static> Copy for Task<I, O> {}

impl<I: 'static, O: 'static> Task<I, O> {
    /// A task that runs `operation` with the input of each [`Task::dispatch`].
    pub fn new<F, Fut>(operation: F) -> Self
    where
        F: Fn(&I) -> Fut + 'static,
        Fut: Future<Output = O> + 'static,
    {
        let run: Run<I, O> = Box::new(move |input| Box::pin(operation(input)));
        Self {
            run: StoredValue::new_local(run),
            dispatched: StoredValue::new_local(0),
            pending: RwSignal::new(false),
            value: RwSignal::new_local(None),
        }
    }

    /// Starts the operation with `input`. The last result stays until this one arrives.
    pub fn dispatch(self, input: I) {
        let Some(future) = self.run.try_with_value(|run| run(&input)) else {
            return;
        };
        let Some(ticket) = self.dispatched.try_update_value(|count| {
            *count = count.wrapping_add(1);
            *count
        }) else {
            return;
        };
        self.pending.try_set(true);
        spawn_local(async move {
            let output = future.await;
            // `None` once the page is gone: then there is no one to tell.
            if self.dispatched.try_get_value() == Some(ticket) {
                self.value.try_set(Some(output));
                self.pending.try_set(false);
            }
        });
    }

    // The signals themselves, not `read_only()` halves: that would add one to the arena at
    // every call. Only the task writes them.

    /// Whether the newest dispatch is still running (to read).
    pub fn pending(self) -> RwSignal<bool> {
        self.pending
    }

    /// The newest dispatch's result, once it has one (to read).
    pub fn value(self) -> RwSignal<Option<O>, LocalStorage> {
        self.value
    }

    /// Forgets the last result.
    pub fn clear(self) {
        self.value.try_set(None);
    }
}
