//! The pages' [`Task`]: only the newest dispatch's result is kept, and a future that ends after
//! its page is gone touches nothing disposed (a panic there would abort a release build).

use std::sync::atomic::{AtomicBool, Ordering};

use gloo_timers::future::TimeoutFuture;
use interceptor_app::task::Task;
use leptos::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

static PANICKED: AtomicBool = AtomicBool::new(false);

fn watch_for_panics() {
    let _ = any_spawner::Executor::init_wasm_bindgen();
    std::panic::set_hook(Box::new(|info| {
        PANICKED.store(true, Ordering::SeqCst);
        console_error_panic_hook::hook(info);
    }));
}

/// Answers `answer` after `ms`.
fn slow_answer(&(ms, answer): &(u32, u32)) -> impl std::future::Future<Output = u32> {
    async move {
        TimeoutFuture::new(ms).await;
        answer
    }
}

#[wasm_bindgen_test]
async fn only_the_newest_dispatch_is_kept() {
    watch_for_panics();
    let owner = Owner::new();
    let task = owner.with(|| Task::new(slow_answer));
    task.dispatch((150, 1));
    assert!(
        task.pending().get_untracked(),
        "pending from the dispatch on"
    );
    task.dispatch((10, 2));
    TimeoutFuture::new(60).await;
    assert_eq!(task.value().get_untracked(), Some(2));
    assert!(!task.pending().get_untracked(), "the newest one is done");
    // The older one ends later, and is not what the page shows.
    TimeoutFuture::new(150).await;
    assert_eq!(task.value().get_untracked(), Some(2));
    assert!(!task.pending().get_untracked());

    task.clear();
    assert_eq!(task.value().get_untracked(), None);
    task.dispatch((10, 3));
    TimeoutFuture::new(60).await;
    assert_eq!(task.value().get_untracked(), Some(3));
    drop(owner);
    assert!(!PANICKED.load(Ordering::SeqCst), "something panicked");
}

#[wasm_bindgen_test]
async fn a_task_that_ends_after_its_page_is_gone_drops_its_result_quietly() {
    watch_for_panics();
    let owner = Owner::new();
    let task = owner.with(|| Task::new(slow_answer));
    task.dispatch((100, 1));
    owner.cleanup();
    drop(owner);
    TimeoutFuture::new(200).await;
    // And a dispatch or a clear through a handle kept past its page does nothing.
    task.dispatch((10, 2));
    task.clear();
    TimeoutFuture::new(50).await;
    assert!(!PANICKED.load(Ordering::SeqCst), "something panicked");
}
