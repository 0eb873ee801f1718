//! epoll_ctl(2)'s argument rules, in Linux's order, once both descriptors
//! are known to be open (EBADF comes first).

use marten_abi::poll::{EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLLEXCLUSIVE, EPOLLEXCLUSIVE_OK_BITS};

/// An epoll_ctl operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtlOp {
    Add,
    Del,
    Mod,
}

impl CtlOp {
    /// Decodes `op`; None for an unknown one.
    pub fn from_raw(op: u64) -> Option<CtlOp> {
        match op {
            EPOLL_CTL_ADD => Some(CtlOp::Add),
            EPOLL_CTL_DEL => Some(CtlOp::Del),
            EPOLL_CTL_MOD => Some(CtlOp::Mod),
            _ => None,
        }
    }

    /// Does the operation read a `struct epoll_event`?
    pub fn has_event(op: u64) -> bool {
        op != EPOLL_CTL_DEL
    }
}

/// Why epoll_ctl refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtlError {
    /// EPERM: the target cannot be polled (a regular file, a directory).
    Perm,
    /// EINVAL.
    Inval,
}

/// What epoll_ctl needs to know about its descriptors.
#[derive(Clone, Copy, Debug, Default)]
pub struct Targets {
    /// The target file can be waited on (it has a wait queue).
    pub pollable: bool,
    /// `epfd` and `fd` are the same open file.
    pub same_file: bool,
    /// `epfd` is an epoll instance.
    pub epfd_is_epoll: bool,
    /// `fd` is an epoll instance.
    pub target_is_epoll: bool,
}

/// Checks `op` with `events` (ignored for DEL) on `t`: EPERM for a target
/// that cannot be polled, EINVAL when `epfd` is not an epoll instance or is
/// the target itself, for EPOLLEXCLUSIVE with MOD, with an epoll target or
/// with bits other than EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLWAKEUP
/// and EPOLLET, and for an unknown operation.
pub fn check_ctl(op: u64, events: u32, t: Targets) -> Result<CtlOp, CtlError> {
    if !t.pollable {
        return Err(CtlError::Perm);
    }
    if t.same_file || !t.epfd_is_epoll {
        return Err(CtlError::Inval);
    }
    if CtlOp::has_event(op) && events & EPOLLEXCLUSIVE != 0 {
        if op == EPOLL_CTL_MOD {
            return Err(CtlError::Inval);
        }
        if op == EPOLL_CTL_ADD && (t.target_is_epoll || events & !EPOLLEXCLUSIVE_OK_BITS != 0) {
            return Err(CtlError::Inval);
        }
    }
    CtlOp::from_raw(op).ok_or(CtlError::Inval)
}

#[cfg(test)]
mod tests {
    use super::*;
    use marten_abi::poll::{EPOLLET, EPOLLIN, EPOLLONESHOT, EPOLLPRI};

    const OK: Targets = Targets {
        pollable: true,
        same_file: false,
        epfd_is_epoll: true,
        target_is_epoll: false,
    };

    #[test]
    fn linux_order() {
        assert_eq!(check_ctl(EPOLL_CTL_ADD, EPOLLIN, OK), Ok(CtlOp::Add));
        assert_eq!(check_ctl(EPOLL_CTL_DEL, EPOLLEXCLUSIVE, OK), Ok(CtlOp::Del));
        let file = Targets {
            pollable: false,
            epfd_is_epoll: false,
            ..OK
        };
        assert_eq!(check_ctl(EPOLL_CTL_ADD, EPOLLIN, file), Err(CtlError::Perm));
        assert_eq!(
            check_ctl(EPOLL_CTL_ADD, EPOLLIN, Targets { same_file: true, ..OK }),
            Err(CtlError::Inval)
        );
        assert_eq!(
            check_ctl(
                EPOLL_CTL_ADD,
                EPOLLIN,
                Targets {
                    epfd_is_epoll: false,
                    ..OK
                }
            ),
            Err(CtlError::Inval)
        );
        assert_eq!(check_ctl(9, EPOLLIN, OK), Err(CtlError::Inval));
    }

    #[test]
    fn exclusive() {
        let ex = EPOLLEXCLUSIVE | EPOLLIN | EPOLLET;
        assert_eq!(check_ctl(EPOLL_CTL_ADD, ex, OK), Ok(CtlOp::Add));
        assert_eq!(check_ctl(EPOLL_CTL_MOD, ex, OK), Err(CtlError::Inval));
        assert_eq!(check_ctl(EPOLL_CTL_ADD, ex | EPOLLONESHOT, OK), Err(CtlError::Inval));
        assert_eq!(check_ctl(EPOLL_CTL_ADD, ex | EPOLLPRI, OK), Err(CtlError::Inval));
        assert_eq!(
            check_ctl(
                EPOLL_CTL_ADD,
                ex,
                Targets {
                    target_is_epoll: true,
                    ..OK
                }
            ),
            Err(CtlError::Inval)
        );
    }
}
