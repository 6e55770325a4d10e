//! The settlement rules of SPEC §4 as a pure function: `(terms, payments, head, chain time) → status`.
//!
//! No I/O, no clock: the checkout layer feeds it stored facts and writes back what it returns.

use alloy_primitives::U256;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A session's status (SPEC §4).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
    ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for payment.
    Pending,
    /// A payment is seen (mempool or fewer than the required confirmations).
    Detected,
    /// Confirmed total is short beyond tolerance.
    Underpaid,
    /// Confirmed total equals the amount (within tolerance).
    Paid,
    /// Confirmed total exceeds the amount.
    Overpaid,
    /// Full amount, first seen after expiry but within the grace period.
    PaidLate,
    /// Nothing sufficient arrived in time.
    Expired,
    /// Canceled before any payment.
    Canceled,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 8] = [
        Status::Pending,
        Status::Detected,
        Status::Underpaid,
        Status::Paid,
        Status::Overpaid,
        Status::PaidLate,
        Status::Expired,
        Status::Canceled,
    ];

    /// The API name, e.g. `paid_late`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Detected => "detected",
            Status::Underpaid => "underpaid",
            Status::Paid => "paid",
            Status::Overpaid => "overpaid",
            Status::PaidLate => "paid_late",
            Status::Expired => "expired",
            Status::Canceled => "canceled",
        }
    }

    /// Parses an API name.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether a merchant may hand over the goods.
    pub fn is_paid(self) -> bool {
        matches!(self, Status::Paid | Status::Overpaid | Status::PaidLate)
    }

    /// Whether the session can still change on its own (a payment or a block may move it).
    pub fn is_open(self) -> bool {
        matches!(self, Status::Pending | Status::Detected | Status::Underpaid)
    }
}

/// What a session was created with, as far as settlement cares.
#[derive(Debug, Clone)]
pub struct Terms {
    /// The quoted amount in atomic units.
    pub amount: U256,
    /// The smallest total that counts as paid (amount less tolerance).
    pub threshold: U256,
    /// Confirmations required before paid.
    pub required_confirmations: u64,
    /// End of the on-time window.
    pub expires_at: DateTime<Utc>,
    /// End of the late-payment window (`expires_at` + grace).
    pub grace_ends_at: DateTime<Utc>,
    /// Set when the session was canceled.
    pub canceled_at: Option<DateTime<Utc>>,
}

/// One payment to the session address, as far as settlement cares.
#[derive(Debug, Clone)]
pub struct Observed {
    /// Atomic units received.
    pub amount: U256,
    /// The block it is in on the canonical chain; `None` while only in the mempool.
    pub block_number: Option<u64>,
    /// When it was first seen, or its block time if the engine only found it later.
    pub first_seen: DateTime<Utc>,
    /// Paid in another asset than the session's: kept and flagged, never counted.
    pub foreign: bool,
}

impl Observed {
    /// Confirmations at chain head `head`: `head - block + 1`, 0 in the mempool.
    pub fn confirmations(&self, head: Option<u64>) -> u64 {
        match (self.block_number, head) {
            (Some(b), Some(h)) if h >= b => h - b + 1,
            _ => 0,
        }
    }
}

/// The outcome of settlement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// The session's status.
    pub status: Status,
    /// Smallest confirmation count among the payments that make up the amount.
    pub confirmations: u64,
    /// Indexes (into the input) of the payments that make up the amount, in first-seen order.
    pub counted: Vec<usize>,
    /// Indexes of payments that arrived after the session was final or beyond its amount:
    /// kept on the session and flagged, never counted.
    pub extra: Vec<usize>,
    /// Sum of the counted payments.
    pub counted_total: U256,
}

/// Applies SPEC §4's rules.
///
/// Payments are taken in the chain's order: mined ones by block (then first seen), then those
/// still in the mempool by first seen. A payment in the session's asset counts toward the
/// session if it was first seen before the grace period ended and the payments before it were
/// not yet enough; all others (every payment in another asset, and every payment to a canceled
/// session) are `extra`. On time or late is decided by the first-seen time of the payment that
/// completed the amount.
///
/// Mined before pending keeps what is counted from changing under a session: a payment that
/// mines later comes after every payment already mined, and a pending one the node dropped
/// never stands in front of the customer's real retry (which would make the retry `extra`).
///
/// `chain_time` is the timestamp of the last block the network's watcher processed (SPEC §4:
/// expiry follows the chain): a session with nothing counted expires once it reaches
/// `expires_at`; a confirmed but short one once it reaches the end of the grace period.
pub fn settle(
    terms: &Terms,
    payments: &[Observed],
    head: Option<u64>,
    chain_time: Option<DateTime<Utc>>,
) -> Settlement {
    let mut order: Vec<usize> = (0..payments.len()).collect();
    order.sort_by_key(|&i| {
        let p = &payments[i];
        (p.block_number.is_none(), p.block_number, p.first_seen, i)
    });

    if terms.canceled_at.is_some() {
        return Settlement {
            status: Status::Canceled,
            confirmations: 0,
            counted: vec![],
            extra: order,
            counted_total: U256::ZERO,
        };
    }

    let (mut counted, mut extra, mut total) = (Vec::new(), Vec::new(), U256::ZERO);
    for i in order {
        if payments[i].foreign
            || total >= terms.threshold && !counted.is_empty()
            || payments[i].first_seen > terms.grace_ends_at
        {
            extra.push(i);
        } else {
            counted.push(i);
            total = total.saturating_add(payments[i].amount);
        }
    }

    let confs = |i: &usize| payments[*i].confirmations(head);
    let confirmations = counted.iter().map(confs).min().unwrap_or(0);
    let all_confirmed = !counted.is_empty() && confirmations >= terms.required_confirmations;

    let reached = |deadline: DateTime<Utc>| chain_time.is_some_and(|t| t >= deadline);
    let status = match counted.last() {
        None if reached(terms.expires_at) => Status::Expired,
        None => Status::Pending,
        Some(_) if !all_confirmed => Status::Detected,
        Some(&last) if total >= terms.threshold => {
            if payments[last].first_seen > terms.expires_at {
                Status::PaidLate
            } else if total > terms.amount {
                Status::Overpaid
            } else {
                Status::Paid
            }
        }
        Some(_) if reached(terms.grace_ends_at) => Status::Expired,
        Some(_) => Status::Underpaid,
    };

    Settlement {
        status,
        confirmations,
        counted,
        extra,
        counted_total: total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()
    }

    fn terms(amount: u64) -> Terms {
        Terms {
            amount: U256::from(amount),
            threshold: U256::from(amount),
            required_confirmations: 3,
            expires_at: t0() + Duration::minutes(15),
            grace_ends_at: t0() + Duration::minutes(25),
            canceled_at: None,
        }
    }

    fn pay(amount: u64, block: Option<u64>, minute: i64) -> Observed {
        Observed {
            amount: U256::from(amount),
            block_number: block,
            first_seen: t0() + Duration::minutes(minute),
            foreign: false,
        }
    }

    fn status(terms: &Terms, payments: &[Observed], head: u64, now_min: i64) -> Status {
        settle(
            terms,
            payments,
            Some(head),
            Some(t0() + Duration::minutes(now_min)),
        )
        .status
    }

    #[test]
    fn a_mined_retry_counts_before_a_pending_payment_the_node_dropped() {
        // Seen pending at minute 1 (then dropped by the node), paid for real at minute 3.
        let s = settle(
            &terms(100),
            &[pay(100, None, 1), pay(100, Some(8), 3)],
            Some(10),
            Some(t0() + Duration::minutes(4)),
        );
        assert_eq!(s.status, Status::Paid);
        assert_eq!((s.counted.clone(), s.extra.clone()), (vec![1], vec![0]));
    }

    #[test]
    fn a_payment_mined_later_comes_after_those_already_mined() {
        // Seen first but mined after another full payment: the one mined first stays counted.
        let s = settle(
            &terms(100),
            &[pay(100, Some(9), 1), pay(100, Some(5), 3)],
            Some(20),
            Some(t0() + Duration::minutes(4)),
        );
        assert_eq!((s.counted, s.extra), (vec![1], vec![0]));
    }

    #[test]
    fn pending_without_payments() {
        assert_eq!(status(&terms(100), &[], 10, 1), Status::Pending);
    }

    #[test]
    fn detected_in_mempool_and_below_confirmations() {
        assert_eq!(
            status(&terms(100), &[pay(100, None, 1)], 10, 2),
            Status::Detected
        );
        let s = settle(&terms(100), &[pay(100, Some(9), 1)], Some(10), Some(t0()));
        assert_eq!((s.status, s.confirmations), (Status::Detected, 2));
    }

    #[test]
    fn paid_exactly_with_required_confirmations() {
        let s = settle(&terms(100), &[pay(100, Some(8), 1)], Some(10), Some(t0()));
        assert_eq!((s.status, s.confirmations), (Status::Paid, 3));
    }

    #[test]
    fn underpaid_then_topped_up_to_paid() {
        let short = [pay(60, Some(5), 1)];
        assert_eq!(status(&terms(100), &short, 10, 2), Status::Underpaid);
        let topped = [pay(60, Some(5), 1), pay(40, Some(9), 3)];
        assert_eq!(status(&terms(100), &topped, 10, 4), Status::Detected);
        assert_eq!(status(&terms(100), &topped, 11, 4), Status::Paid);
    }

    #[test]
    fn tolerance_counts_a_slightly_short_payment_as_paid() {
        let mut t = terms(1000);
        t.threshold = U256::from(990);
        assert_eq!(status(&t, &[pay(995, Some(1), 1)], 10, 2), Status::Paid);
        assert_eq!(
            status(&t, &[pay(989, Some(1), 1)], 10, 2),
            Status::Underpaid
        );
    }

    #[test]
    fn overpaid_when_the_completing_payment_overshoots() {
        assert_eq!(
            status(&terms(100), &[pay(150, Some(1), 1)], 10, 2),
            Status::Overpaid
        );
    }

    #[test]
    fn paid_late_within_grace() {
        assert_eq!(
            status(&terms(100), &[pay(100, Some(1), 20)], 10, 21),
            Status::PaidLate
        );
    }

    #[test]
    fn detected_before_expiry_confirming_after_is_on_time() {
        // First seen at minute 14, confirmed at minute 30 (after expiry and grace).
        assert_eq!(
            status(&terms(100), &[pay(100, Some(8), 14)], 10, 30),
            Status::Paid
        );
    }

    #[test]
    fn expired_when_nothing_arrived() {
        assert_eq!(status(&terms(100), &[], 10, 16), Status::Expired);
    }

    #[test]
    fn canceled_keeps_later_funds_as_extra() {
        let mut t = terms(100);
        t.canceled_at = Some(t0() + Duration::minutes(1));
        let s = settle(&t, &[pay(100, Some(1), 2)], Some(10), Some(t0()));
        assert_eq!((s.status, s.extra), (Status::Canceled, vec![0]));
    }

    #[test]
    fn funds_after_grace_or_beyond_the_amount_are_extra() {
        let s = settle(
            &terms(100),
            &[pay(100, Some(1), 26)],
            Some(10),
            Some(t0() + Duration::minutes(30)),
        );
        assert_eq!((s.status, s.extra.clone()), (Status::Expired, vec![0]));
        let s = settle(
            &terms(100),
            &[pay(100, Some(1), 1), pay(30, Some(2), 5)],
            Some(10),
            Some(t0()),
        );
        assert_eq!(
            (s.status, s.counted, s.extra),
            (Status::Paid, vec![0], vec![1])
        );
    }

    #[test]
    fn classified_by_block_time_when_found_later() {
        // The caller passes the block timestamp as first_seen for payments found on catch-up.
        assert_eq!(
            status(&terms(100), &[pay(100, Some(1), 10)], 10, 120),
            Status::Paid
        );
    }

    #[test]
    fn expiry_is_reached_at_the_deadline_by_chain_time_only() {
        // At exactly expires_at (minute 15) by the chain: expired; without chain time: waits.
        assert_eq!(status(&terms(100), &[], 10, 15), Status::Expired);
        assert_eq!(status(&terms(100), &[], 10, 14), Status::Pending);
        let s = settle(&terms(100), &[], Some(10), None);
        assert_eq!(s.status, Status::Pending);
    }

    #[test]
    fn underpaid_ends_expired_at_the_end_of_grace_with_its_payments_kept() {
        let short = [pay(60, Some(5), 1)];
        assert_eq!(status(&terms(100), &short, 10, 24), Status::Underpaid);
        let s = settle(
            &terms(100),
            &short,
            Some(10),
            Some(t0() + Duration::minutes(25)),
        );
        assert_eq!((s.status, s.counted), (Status::Expired, vec![0]));
        // A short payment still confirming at the end of grace waits for its confirmations.
        assert_eq!(
            status(&terms(100), &[pay(60, Some(9), 1)], 10, 30),
            Status::Detected
        );
        // Funds first seen after grace are extra on the expired session.
        let later = [pay(60, Some(5), 1), pay(40, Some(9), 26)];
        let s = settle(
            &terms(100),
            &later,
            Some(20),
            Some(t0() + Duration::minutes(27)),
        );
        assert_eq!((s.status, s.extra), (Status::Expired, vec![1]));
    }

    #[test]
    fn payments_in_another_asset_never_count() {
        let mut eth = pay(100, Some(1), 1);
        eth.foreign = true;
        let s = settle(&terms(100), &[eth.clone()], Some(10), Some(t0()));
        assert_eq!((s.status, s.extra.clone()), (Status::Pending, vec![0]));
        let s = settle(
            &terms(100),
            &[eth, pay(100, Some(2), 2)],
            Some(10),
            Some(t0()),
        );
        assert_eq!(
            (s.status, s.counted, s.extra),
            (Status::Paid, vec![1], vec![0])
        );
    }

    #[test]
    fn status_names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }

    fn arb_payment() -> impl Strategy<Value = Observed> {
        (
            1u64..200,
            proptest::option::of(0u64..30),
            0i64..40,
            proptest::bool::weighted(0.2),
        )
            .prop_map(|(a, b, m, foreign)| Observed {
                foreign,
                ..pay(a, b, m)
            })
    }

    proptest! {
        #[test]
        fn never_paid_without_enough_confirmed_value(
            payments in proptest::collection::vec(arb_payment(), 0..8),
            amount in 1u64..400, head in 0u64..40, now in 0i64..60, tol in 0u64..20,
        ) {
            let mut t = terms(amount);
            t.threshold = U256::from(amount * (100 - tol)).div_ceil(U256::from(100));
            let s = settle(&t, &payments, Some(head), Some(t0() + Duration::minutes(now)));
            if s.status.is_paid() {
                let confirmed: U256 = s.counted.iter()
                    .filter(|i| payments[**i].confirmations(Some(head)) >= t.required_confirmations)
                    .map(|i| payments[*i].amount)
                    .fold(U256::ZERO, |a, b| a + b);
                prop_assert!(confirmed >= t.threshold);
            }
        }

        #[test]
        fn every_payment_is_either_counted_or_extra(
            payments in proptest::collection::vec(arb_payment(), 0..8),
            head in 0u64..40, now in 0i64..60, canceled in any::<bool>(),
        ) {
            let mut t = terms(100);
            if canceled { t.canceled_at = Some(t0()); }
            let s = settle(&t, &payments, Some(head), Some(t0() + Duration::minutes(now)));
            let mut all: Vec<usize> = s.counted.iter().chain(&s.extra).copied().collect();
            all.sort();
            prop_assert_eq!(all, (0..payments.len()).collect::<Vec<_>>());
            for i in &s.counted {
                prop_assert!(payments[*i].first_seen <= t.grace_ends_at);
                prop_assert!(!payments[*i].foreign);
            }
        }

        #[test]
        fn on_time_or_late_is_decided_by_first_seen_not_by_now(
            payments in proptest::collection::vec(arb_payment(), 1..6),
            head in 0u64..40, now1 in 0i64..60, now2 in 0i64..60,
        ) {
            let t = terms(100);
            let a = settle(&t, &payments, Some(head), Some(t0() + Duration::minutes(now1)));
            let b = settle(&t, &payments, Some(head), Some(t0() + Duration::minutes(now2)));
            if a.status.is_paid() {
                prop_assert_eq!(a.status, b.status);
                let last = *a.counted.last().unwrap();
                prop_assert_eq!(
                    a.status == Status::PaidLate,
                    payments[last].first_seen > t.expires_at
                );
            }
        }

        #[test]
        fn a_newly_mined_payment_never_uncounts_a_mined_one(
            payments in proptest::collection::vec(arb_payment(), 0..6),
            next in arb_payment(), head in 0u64..40, now in 0i64..60,
        ) {
            // The next payment mines at or after every block already on the session.
            let top = payments.iter().filter_map(|p| p.block_number).max().unwrap_or(0);
            let next = Observed { block_number: Some(top + 1), ..next };
            let t = terms(100);
            let at = Some(t0() + Duration::minutes(now));
            let before = settle(&t, &payments, Some(head), at);
            let mut more = payments.clone();
            more.push(next);
            let after = settle(&t, &more, Some(head), at);
            for i in before.counted.iter().filter(|i| payments[**i].block_number.is_some()) {
                prop_assert!(after.counted.contains(i));
            }
        }

        #[test]
        fn input_order_does_not_matter(
            mut payments in proptest::collection::vec(arb_payment(), 0..6),
            head in 0u64..40, now in 0i64..60,
        ) {
            // Distinct first-seen times make the order total.
            for (i, p) in payments.iter_mut().enumerate() { p.first_seen += Duration::seconds(i as i64); }
            let t = terms(100);
            let a = settle(&t, &payments, Some(head), Some(t0() + Duration::minutes(now)));
            let mut reversed = payments.clone();
            reversed.reverse();
            let b = settle(&t, &reversed, Some(head), Some(t0() + Duration::minutes(now)));
            prop_assert_eq!(a.status, b.status);
            prop_assert_eq!(a.counted_total, b.counted_total);
        }
    }
}
