//! The refresh under way in a tab: one outcome that every request needing it waits for.
//!
//! Smaller than `futures`' `Shared` for the one thing needed here: the work runs as a task of its
//! own (so it ends even if every waiter stops waiting), and waiters only read its outcome.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::http::error::ApiResult;
use crate::session::tokens::Tokens;

/// One refresh's outcome, once it has one: the tokens to use, or why there are none.
#[derive(Debug, Default)]
pub(crate) struct Flight {
    outcome: RefCell<Option<ApiResult<Tokens>>>,
    waiting: RefCell<Vec<Waker>>,
}

impl Flight {
    /// Records the outcome and wakes every waiter.
    pub(crate) fn land(&self, outcome: ApiResult<Tokens>) {
        self.outcome.replace(Some(outcome));
        for waker in self.waiting.take() {
            waker.wake();
        }
    }

    /// Waits for the outcome.
    pub(crate) fn wait(self: &Rc<Self>) -> Landing {
        Landing(self.clone())
    }
}

/// The future of [`Flight::wait`].
#[derive(Debug)]
pub(crate) struct Landing(Rc<Flight>);

impl Future for Landing {
    type Output = ApiResult<Tokens>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(outcome) = self.0.outcome.borrow().as_ref() {
            return Poll::Ready(outcome.clone());
        }
        self.0.waiting.borrow_mut().push(context.waker().clone());
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::error::ApiError;

    #[test]
    fn every_waiter_reads_the_one_outcome() {
        let flight = Rc::new(Flight::default());
        let (mut first, mut second) = (flight.wait(), flight.wait());
        let waker = Waker::noop();
        let mut context = Context::from_waker(waker);
        assert!(Pin::new(&mut first).poll(&mut context).is_pending());
        flight.land(Err(ApiError::Timeout));
        assert_eq!(
            Pin::new(&mut first).poll(&mut context),
            Poll::Ready(Err(ApiError::Timeout))
        );
        assert_eq!(
            Pin::new(&mut second).poll(&mut context),
            Poll::Ready(Err(ApiError::Timeout))
        );
        assert!(flight.waiting.borrow().is_empty());
    }
}
