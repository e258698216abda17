//! The order in which items are judged: each after the items its conditions read.
//!
//! Applicability and derived answers may read whether other items are met, so items are
//! judged in a topological order of those references, computed once when a profile loads.
//! A cycle makes a profile invalid.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{CaseAnswer, Item, Rule};
use crate::condition::ItemIdx;

/// An evaluation order in which every item follows the items its applicability and derived
/// answer read, or the items of a cycle (first item repeated at the end). Ties keep document
/// order, so the order is stable.
pub(super) fn evaluation_order(
    items: &[Item],
    rules: &[Rule],
) -> Result<Vec<ItemIdx>, Vec<ItemIdx>> {
    let deps = dependencies(items, rules);
    let n = items.len();
    let mut dependents: Vec<Vec<ItemIdx>> = vec![Vec::new(); n];
    let mut remaining: Vec<usize> = vec![0; n];
    for (i, d) in deps.iter().enumerate() {
        remaining[i] = d.len();
        for &j in d {
            dependents[j].push(i);
        }
    }
    let mut ready: BinaryHeap<Reverse<ItemIdx>> =
        (0..n).filter(|&i| remaining[i] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &d in &dependents[i] {
            remaining[d] -= 1;
            if remaining[d] == 0 {
                ready.push(Reverse(d));
            }
        }
    }
    if order.len() < n {
        return Err(find_cycle(&deps, &remaining));
    }
    Ok(order)
}

/// For each item, the items it reads: in `applies_when`, in skip rules naming it, and in its
/// derived cases.
fn dependencies(items: &[Item], rules: &[Rule]) -> Vec<Vec<ItemIdx>> {
    let n = items.len();
    items
        .iter()
        .map(|item| {
            let mut d = Vec::new();
            if let Some(cond) = &item.applies_when {
                cond.items(&mut d);
            }
            if let Some(cond) = &item.arises_when {
                cond.items(&mut d);
            }
            for rule in item.skip_rules.iter().filter_map(|&r| rules.get(r)) {
                rule.when.items(&mut d);
            }
            for case in item.derived.iter().flatten() {
                case.when.items(&mut d);
                if let CaseAnswer::FromItems { items: from, .. } = &case.answer {
                    d.extend(from);
                }
            }
            d.retain(|&j| j < n);
            d.sort_unstable();
            d.dedup();
            d
        })
        .collect()
}

/// A cycle among the items left unordered: each has a dependency that is also left.
fn find_cycle(deps: &[Vec<ItemIdx>], remaining: &[usize]) -> Vec<ItemIdx> {
    let Some(start) = (0..deps.len()).find(|&i| remaining[i] > 0) else {
        return Vec::new();
    };
    let mut path = vec![start];
    let mut current = start;
    loop {
        let Some(&next) = deps[current].iter().find(|&&j| remaining[j] > 0) else {
            return path;
        };
        if let Some(at) = path.iter().position(|&p| p == next) {
            let mut cycle = path.split_off(at);
            cycle.push(next);
            return cycle;
        }
        path.push(next);
        current = next;
    }
}
