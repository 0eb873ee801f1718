//! Property tests: limit records against a plain model of the setrlimit rules, and the
//! enforcement arithmetic against its definitions.

use marten_abi::errno::Errno;
use marten_abi::resource::{RLIM_INFINITY, RLIM_NLIMITS, RLIMIT_NOFILE};
use marten_rlimit::{Limits, MemLimits, PAGE_SIZE, Policy, Resource, Rlimit, Usage, stack_layout, write_room};
use proptest::prelude::*;

const NR_OPEN: u64 = 1 << 20;

/// A limit value: small numbers, values around NR_OPEN, or infinity.
fn value() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 0u64..64,
        2 => (NR_OPEN - 2)..(NR_OPEN + 2),
        2 => Just(RLIM_INFINITY),
        1 => any::<u64>(),
    ]
}

/// One prlimit call: resource, new value (or just a read), privileged caller.
fn call() -> impl Strategy<Value = (u32, Option<(u64, u64)>, bool)> {
    (
        0..RLIM_NLIMITS,
        proptest::option::weighted(0.8, (value(), value())),
        any::<bool>(),
    )
}

/// The rules of do_prlimit, written out on a plain array.
fn model_prlimit(
    model: &mut [(u64, u64); 16],
    r: u32,
    new: Option<(u64, u64)>,
    privileged: bool,
) -> Result<(u64, u64), Errno> {
    let old = model[r as usize];
    if let Some((cur, max)) = new {
        if cur > max {
            return Err(Errno::EINVAL);
        }
        if r == RLIMIT_NOFILE && max > NR_OPEN {
            return Err(Errno::EPERM);
        }
        if max > old.1 && !privileged {
            return Err(Errno::EPERM);
        }
        model[r as usize] = (cur, max);
    }
    Ok(old)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn record_agrees_with_model(calls in proptest::collection::vec(call(), 1..60), threads in 20u64..100_000) {
        let mut limits = Limits::linux_init(threads);
        let mut model = [(0u64, 0u64); 16];
        for r in Resource::ALL {
            let l = limits.get(r);
            model[r.raw() as usize] = (l.cur, l.max);
        }
        for (raw, new, privileged) in calls {
            let r = Resource::from_raw(raw).unwrap();
            let policy = Policy { may_raise_hard: privileged, nr_open: NR_OPEN };
            let before = limits;
            let got = limits.prlimit(r, new.map(|(c, m)| Rlimit::new(c, m)), &policy);
            let want = model_prlimit(&mut model, raw, new, privileged);
            prop_assert_eq!(got.map(|l| (l.cur, l.max)), want);
            if got.is_err() {
                prop_assert_eq!(limits, before, "a failed call changed the record");
            }
            for r in Resource::ALL {
                let l = limits.get(r);
                prop_assert_eq!((l.cur, l.max), model[r.raw() as usize]);
                prop_assert!(l.cur <= l.max);
                if !privileged {
                    prop_assert!(l.max <= before.get(r).max, "an unprivileged call raised a hard limit");
                }
            }
            prop_assert!(limits.get(Resource::Nofile).max <= NR_OPEN);
        }
    }

    #[test]
    fn write_room_never_passes_the_limit(pos in value(), len in 0usize..1 << 20, limit in value()) {
        match write_room(pos, len, limit) {
            Ok(n) => {
                prop_assert!(n <= len);
                if limit != RLIM_INFINITY && len > 0 {
                    prop_assert!(pos < limit);
                    prop_assert!(pos + n as u64 <= limit);
                    prop_assert!(n == len || pos + n as u64 == limit, "cut short before the limit");
                } else {
                    prop_assert_eq!(n, len);
                }
            }
            Err(_) => prop_assert!(len > 0 && limit != RLIM_INFINITY && pos >= limit),
        }
    }

    #[test]
    fn stack_layout_is_well_formed(
        soft in prop_oneof![value(), 0u64..(64 << 20)],
        initial in 0u64..(1 << 20),
        image in 0u64..(256 << 10),
    ) {
        let top = 0x7fff_ffff_f000u64;
        let s = stack_layout(top, soft, initial, image);
        prop_assert!(s.floor <= s.start && s.start < top);
        prop_assert!(s.start.is_multiple_of(PAGE_SIZE) && s.floor.is_multiple_of(PAGE_SIZE));
        prop_assert!(top - s.start >= image, "the arguments do not fit");
        // The stack never grows past the limit, unless the arguments alone pass it.
        prop_assert!(top - s.floor <= soft.max(top - s.start));
        // Without a limit problem, the usual area is mapped.
        let allowed = soft.min(top) / PAGE_SIZE * PAGE_SIZE;
        let initial = initial / PAGE_SIZE * PAGE_SIZE;
        if allowed >= initial && initial >= image.div_ceil(PAGE_SIZE) * PAGE_SIZE && initial >= PAGE_SIZE {
            prop_assert_eq!(top - s.start, initial);
            prop_assert_eq!(s.floor, top - allowed);
        }
    }
}

/// One step of a process mapping and unmapping memory under fixed limits.
#[derive(Clone, Debug)]
enum Step {
    Map { pages: u64, data: bool },
    Unmap { index: usize },
    Protect { index: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (1u64..40, any::<bool>()).prop_map(|(pages, data)| Step::Map { pages, data }),
        1 => any::<usize>().prop_map(|index| Step::Unmap { index }),
        1 => any::<usize>().prop_map(|index| Step::Protect { index }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Starting empty, mappings and mprotects that the checks allow never take an
    /// address space past its limits, and every refusal is for a real reason.
    #[test]
    fn allowed_mappings_stay_within_the_limits(
        as_pages in prop_oneof![Just(None), (0u64..200).prop_map(Some)],
        data_pages in prop_oneof![Just(None), (1u64..100).prop_map(Some)],
        steps in proptest::collection::vec(step(), 1..80),
    ) {
        let bytes = |p: Option<u64>| p.map_or(RLIM_INFINITY, |p| p * PAGE_SIZE);
        let lim = MemLimits { address_space: bytes(as_pages), data: bytes(data_pages), data_hard: RLIM_INFINITY };
        let mut areas: Vec<(u64, bool)> = Vec::new();
        let usage = |areas: &Vec<(u64, bool)>| Usage {
            total: areas.iter().map(|a| a.0).sum(),
            data: areas.iter().filter(|a| a.1).map(|a| a.0).sum(),
        };
        for s in steps {
            let u = usage(&areas);
            match s {
                Step::Map { pages, data } => {
                    let fits_as = as_pages.is_none_or(|l| u.total + pages <= l);
                    let fits_data = !data || data_pages.is_none_or(|l| u.data + pages <= l);
                    let ok = lim.may_map(u, pages, data, 0);
                    prop_assert_eq!(ok, fits_as && fits_data);
                    prop_assert_eq!(lim.may_expand(u, pages, data), ok);
                    if ok {
                        areas.push((pages, data));
                    }
                }
                Step::Unmap { index } if !areas.is_empty() => {
                    areas.remove(index % areas.len());
                }
                Step::Protect { index } if !areas.is_empty() => {
                    let i = index % areas.len();
                    if !areas[i].1 && lim.may_make_data(u, areas[i].0) {
                        areas[i].1 = true;
                        // Linux's quirk aside (both checks failing), data stays in bounds.
                        let quirk = as_pages.is_some_and(|l| u.total + areas[i].0 > l);
                        if !quirk {
                            prop_assert!(data_pages.is_none_or(|l| usage(&areas).data <= l));
                        }
                    }
                }
                _ => {}
            }
            let u = usage(&areas);
            prop_assert!(as_pages.is_none_or(|l| u.total <= l));
        }
    }
}
