//! Spin locks: interrupt-safe ones, and cheaper ones for thread-only data.
//!
//! [`SpinLock`] disables interrupts on the local CPU while held, so data
//! shared with interrupt handlers is safe, and counts held locks per CPU so
//! the kernel can catch a thread that sleeps while holding one.
//! [`TaskLock`] only counts itself: interrupts stay on, and the count keeps
//! the kernel from switching threads at an interrupt's end meanwhile. It is
//! for data that interrupt handlers never touch (a thread's file table).

use core::ops::{Deref, DerefMut};

/// A spin lock that disables interrupts while held.
///
/// Invariant: while a guard exists, interrupts are off on the CPU that holds
/// it and that CPU's spin depth counts it.
pub struct SpinLock<T: ?Sized> {
    inner: spin::Mutex<T>,
}

/// Proof that a [`SpinLock`] is held; releases it when dropped.
pub struct SpinGuard<'a, T: ?Sized> {
    guard: Option<spin::MutexGuard<'a, T>>,
    irq_was_on: bool,
}

impl<T> SpinLock<T> {
    /// A new unlocked lock.
    pub const fn new(value: T) -> Self {
        SpinLock {
            inner: spin::Mutex::new(value),
        }
    }

    /// Consumes the lock, returning the value.
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> SpinLock<T> {
    /// Spins until the lock is free, with interrupts off.
    pub fn lock(&self) -> SpinGuard<'_, T> {
        let irq_was_on = crate::cpu::interrupts_enabled();
        crate::cpu::disable_interrupts();
        crate::percpu::spin_enter();
        let guard = self.inner.lock();
        SpinGuard {
            guard: Some(guard),
            irq_was_on,
        }
    }

    /// Takes the lock if it is free.
    pub fn try_lock(&self) -> Option<SpinGuard<'_, T>> {
        let irq_was_on = crate::cpu::interrupts_enabled();
        crate::cpu::disable_interrupts();
        match self.inner.try_lock() {
            Some(guard) => {
                crate::percpu::spin_enter();
                Some(SpinGuard {
                    guard: Some(guard),
                    irq_was_on,
                })
            }
            None => {
                if irq_was_on {
                    crate::cpu::enable_interrupts();
                }
                None
            }
        }
    }

    /// Is the lock held by someone?
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// Breaks the lock for a dying kernel: the panic path prints through
    /// locks that the panicking code may hold.
    pub(crate) fn force_unlock_for_panic(&self) {
        if self.inner.is_locked() {
            // SAFETY: only called on the way to halting the machine, when
            // the previous holder will never run again on this CPU.
            unsafe { self.inner.force_unlock() };
        }
    }
}

impl<T: ?Sized> Deref for SpinGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_ref().expect("guard present until drop")
    }
}

impl<T: ?Sized> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_mut().expect("guard present until drop")
    }
}

impl<T: ?Sized> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        drop(self.guard.take());
        crate::percpu::spin_exit();
        if self.irq_was_on {
            crate::cpu::enable_interrupts();
        }
    }
}

/// A spin lock for data that no interrupt handler touches. Interrupts stay
/// on while it is held; the CPU's spin depth counts it, which both catches
/// a thread that sleeps while holding it and stops the kernel from
/// preempting the holder when an interrupt ends (the preemption then waits
/// for the next preemption point: a system call's or interrupt's return).
///
/// Invariant: while a guard exists, the holding CPU's spin depth counts it
/// and (as no thread switch happens at a depth above zero) the holder keeps
/// running on that CPU.
pub struct TaskLock<T: ?Sized> {
    inner: spin::Mutex<T>,
}

/// Proof that a [`TaskLock`] is held; releases it when dropped.
pub struct TaskGuard<'a, T: ?Sized> {
    guard: Option<spin::MutexGuard<'a, T>>,
}

impl<T> TaskLock<T> {
    /// A new unlocked lock.
    pub const fn new(value: T) -> Self {
        TaskLock {
            inner: spin::Mutex::new(value),
        }
    }
}

impl<T: ?Sized> TaskLock<T> {
    /// Spins until the lock is free. Not from an interrupt handler (a
    /// handler that spun on a lock its interrupted thread holds would never
    /// return): checked in debug builds.
    #[inline]
    pub fn lock(&self) -> TaskGuard<'_, T> {
        debug_assert!(!crate::percpu::in_interrupt(), "TaskLock taken in an interrupt handler");
        crate::percpu::spin_enter();
        TaskGuard {
            guard: Some(self.inner.lock()),
        }
    }

    /// Takes the lock if it is free (reclaim, which must never wait on a
    /// lock its own caller may hold).
    pub fn try_lock(&self) -> Option<TaskGuard<'_, T>> {
        crate::percpu::spin_enter();
        match self.inner.try_lock() {
            Some(g) => Some(TaskGuard { guard: Some(g) }),
            None => {
                crate::percpu::spin_exit();
                None
            }
        }
    }
}

impl<T: ?Sized> Deref for TaskGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_ref().expect("guard present until drop")
    }
}

impl<T: ?Sized> DerefMut for TaskGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_mut().expect("guard present until drop")
    }
}

impl<T: ?Sized> Drop for TaskGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        drop(self.guard.take());
        crate::percpu::spin_exit();
    }
}
