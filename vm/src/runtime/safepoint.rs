//! Safe points: where work from other threads (control-port commands such as a hot reload)
//! is applied to a running program.
//!
//! A host thread pushes [`Job`]s into the runtime's [`Inbox`]; it never touches the VM
//! itself. The VM thread runs them, in the order they arrived, on a [`LuaEnv`]:
//!
//! - between executor slices (`Runtime::drive_main`, where garbage is collected), so a
//!   program busy computing picks a job up within one slice;
//! - while blocked in `socket.sleep`, which wakes as soon as a job arrives, runs it and then
//!   sleeps for the rest of its time.
//!
//! Jobs never run while a reload transaction is open (`HostState::reload_depth > 0`): a
//! reloaded chunk that sleeps, or a slice boundary inside a transaction, leaves the inbox
//! alone until the transaction is over.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

use crate::runtime::{LuaEnv, Runtime};

/// Work for the VM thread. It gets the heap and a thread to call Lua on; whatever it
/// produces goes back to its sender through a channel the job owns.
pub type Job = Box<dyn for<'gc, 'a> FnOnce(&mut LuaEnv<'gc, 'a>) + Send>;

/// A queue of jobs for one runtime. Cloning gives another handle to the same queue; handles
/// are `Send + Sync`, so any thread can push.
#[derive(Clone, Default)]
pub struct Inbox {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<VecDeque<Job>>,
    /// Signalled on every push (wakes `socket.sleep`).
    arrived: Condvar,
    /// Whether `queue` may be non-empty: lets the driver check once per slice without
    /// taking the lock.
    pending: AtomicBool,
}

impl Inbox {
    pub fn new() -> Inbox {
        Inbox::default()
    }

    /// Queue `job` for the VM thread and wake it if it is sleeping.
    pub fn push(&self, job: Job) {
        let mut queue = self.lock();
        queue.push_back(job);
        self.shared.pending.store(true, Ordering::Release);
        drop(queue);
        self.shared.arrived.notify_all();
    }

    /// Whether a job is waiting (cheap: no lock).
    pub fn has_pending(&self) -> bool {
        self.shared.pending.load(Ordering::Acquire)
    }

    /// Number of jobs waiting.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Take the oldest job.
    fn pop(&self) -> Option<Job> {
        let mut queue = self.lock();
        let job = queue.pop_front();
        if queue.is_empty() {
            self.shared.pending.store(false, Ordering::Release);
        }
        job
    }

    /// Block until a job is waiting or `deadline` passes. Returns whether a job is waiting.
    pub fn wait_until(&self, deadline: Instant) -> bool {
        let mut queue = self.lock();
        loop {
            if !queue.is_empty() {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            queue = match self.shared.arrived.wait_timeout(queue, deadline - now) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// The queue, even if a pushing thread panicked while holding it (a queue of boxed
    /// closures cannot be left half-updated).
    fn lock(&self) -> MutexGuard<'_, VecDeque<Job>> {
        self.shared
            .queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Whether jobs may run now: no reload transaction is open.
pub fn jobs_allowed(env: &LuaEnv<'_, '_>) -> bool {
    env.state.host.borrow().reload_depth == 0
}

/// Run the jobs waiting in this runtime's inbox (if it has one), oldest first, unless a
/// reload transaction is open. Returns how many ran.
pub fn run_pending(env: &mut LuaEnv<'_, '_>) -> usize {
    let Some(inbox) = env.state.host.borrow().inbox.clone() else {
        return 0;
    };
    let mut ran = 0;
    while inbox.has_pending() && jobs_allowed(env) {
        let Some(job) = inbox.pop() else { break };
        job(env);
        ran += 1;
    }
    ran
}

/// Sleep until `deadline`, running jobs as they arrive (`socket.sleep`). While a reload
/// transaction is open, just sleeps.
pub fn sleep_until(env: &mut LuaEnv<'_, '_>, deadline: Instant) {
    loop {
        let inbox = env.state.host.borrow().inbox.clone();
        let inbox = match inbox {
            Some(inbox) if jobs_allowed(env) => inbox,
            _ => {
                let now = Instant::now();
                if deadline > now {
                    std::thread::sleep(deadline - now);
                }
                return;
            }
        };
        if !inbox.wait_until(deadline) {
            return;
        }
        run_pending(env);
    }
}

impl Runtime {
    /// This runtime's inbox, created on first use: hand clones of it to the threads that
    /// send work (the control server). Jobs run at the next safe point.
    pub fn inbox(&mut self) -> Inbox {
        self.arena.mutate(|_, state| {
            state
                .host
                .borrow_mut()
                .inbox
                .get_or_insert_with(Inbox::new)
                .clone()
        })
    }

    /// Run the jobs waiting in the inbox on the main thread (the driver calls this between
    /// slices). Cheap when nothing is waiting.
    pub fn run_safe_point_jobs(&mut self) -> usize {
        let waiting = self.arena.mutate(|_, state| {
            let host = state.host.borrow();
            host.reload_depth == 0 && host.inbox.as_ref().is_some_and(Inbox::has_pending)
        });
        if !waiting {
            return 0;
        }
        self.with_env(run_pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Outcome;
    use std::sync::mpsc;
    use std::time::Duration;

    /// `tostring(_G[name])`.
    fn global_text(env: &mut LuaEnv<'_, '_>, name: &str) -> String {
        let key = crate::value::Value::String(env.state.intern(env.mc, name.as_bytes()));
        let v = env.state.globals.get(key);
        env.display(v)
    }

    /// A job that sends back `tostring(_G[name])`.
    fn read_global(name: &'static str, reply: mpsc::Sender<String>) -> Job {
        Box::new(move |env: &mut LuaEnv<'_, '_>| {
            let _ = reply.send(global_text(env, name));
        })
    }

    #[test]
    fn jobs_run_between_slices_of_a_busy_program() {
        let mut rt = Runtime::new();
        rt.set_fuel(100);
        let inbox = rt.inbox();
        let (tx, rx) = mpsc::channel();
        // Queued before the run: picked up at the first slice boundary.
        inbox.push(read_global("marker", tx));
        let out = rt
            .run_chunk(
                b"marker = 'set'\nlocal n = 0\nfor i = 1, 10000 do n = n + i end\nreturn n",
                "=t",
                &[],
            )
            .unwrap();
        assert_eq!(out, Outcome::Finished(vec!["50005000".into()]));
        assert_eq!(rx.try_recv().unwrap(), "set");
        assert!(inbox.is_empty());
    }

    /// A job that, once the global `phase` is "loop", sends the main thread's stack length
    /// and capacity and sets the global `done`.
    fn stack_size_when_looping(reply: mpsc::Sender<(usize, usize)>) -> Job {
        Box::new(move |env: &mut LuaEnv<'_, '_>| {
            if global_text(env, "phase") != "loop" {
                return;
            }
            let _ = reply.send((env.th.stack.len(), env.th.stack.capacity()));
            let done = crate::value::Value::String(env.state.intern(env.mc, b"done"));
            env.state
                .globals
                .set(env.mc, done, crate::value::Value::Boolean(true))
                .unwrap();
        })
    }

    #[test]
    fn a_loop_after_a_deep_recursion_keeps_a_small_stack() {
        let mut rt = Runtime::new();
        rt.set_fuel(100);
        let inbox = rt.inbox();
        let (tx, rx) = mpsc::channel();
        // Jobs arrive until one finds the loop running (the loop waits for it).
        let pusher = std::thread::spawn(move || {
            let (sent_tx, sent_rx) = mpsc::channel();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(60) {
                inbox.push(stack_size_when_looping(sent_tx.clone()));
                if let Ok(sizes) = sent_rx.recv_timeout(Duration::from_millis(1)) {
                    let _ = tx.send(sizes);
                    return;
                }
            }
        });
        let out = rt
            .run_chunk(
                b"local function rec(n) if n == 0 then return 0 end return 1 + rec(n - 1) end\n\
                  local depth = rec(100000)\n\
                  phase = 'loop'\n\
                  local n = 0\n\
                  while not done do n = n + 1 end\n\
                  return depth",
                "=t",
                &[],
            )
            .unwrap();
        pusher.join().unwrap();
        assert_eq!(out, Outcome::Finished(vec!["100000".into()]));
        // The recursion's slots above the running frame are gone at the loop's safe points,
        // and most of their memory with them.
        let (len, capacity) = rx.try_recv().unwrap();
        assert!(len < 100, "stack length {len}");
        assert!(capacity < 1 << 16, "stack capacity {capacity}");
    }

    #[test]
    fn jobs_wait_while_a_reload_transaction_is_open() {
        let mut rt = Runtime::new();
        let inbox = rt.inbox();
        let (tx, rx) = mpsc::channel();
        inbox.push(read_global("x", tx));
        rt.with_env(|env| env.state.host.borrow_mut().reload_depth = 1);
        assert_eq!(rt.run_safe_point_jobs(), 0);
        assert!(rx.try_recv().is_err());
        rt.with_env(|env| env.state.host.borrow_mut().reload_depth = 0);
        assert_eq!(rt.run_safe_point_jobs(), 1);
        assert_eq!(rx.try_recv().unwrap(), "nil");
    }

    #[test]
    fn a_sleep_wakes_for_a_job_and_sleeps_on() {
        let mut rt = Runtime::new();
        let inbox = rt.inbox();
        let (tx, rx) = mpsc::channel();
        let pusher = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            inbox.push(read_global("phase", tx));
        });
        let start = Instant::now();
        rt.with_env(|env| {
            let key = crate::value::Value::String(env.state.intern(env.mc, b"phase"));
            let v = crate::value::Value::String(env.state.intern(env.mc, b"sleeping"));
            let _ = env.state.globals.set(env.mc, key, v);
            sleep_until(env, start + Duration::from_millis(300));
        });
        pusher.join().unwrap();
        // The job ran during the sleep, and the sleep still lasted its whole time.
        assert_eq!(rx.try_recv().unwrap(), "sleeping");
        assert!(start.elapsed() >= Duration::from_millis(300));
    }
}
