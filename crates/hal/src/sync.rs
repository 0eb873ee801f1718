//! Interrupt-safe spin locks.
//!
//! [`SpinLock`] disables interrupts on the local CPU while held, so data
//! shared with interrupt handlers is safe, and counts held locks per CPU so
//! the kernel can catch a thread that sleeps while holding one.

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
