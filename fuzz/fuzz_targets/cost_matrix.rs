//! Cost tables (`--metric matrix`): any bytes against a fixed set of compound and site ids.
#![no_main]

use std::path::Path;

use circleplan::io::{CostTable, CostUnit, MatrixColumns};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let compounds: Vec<String> = ["1", "2", "3", "a", "小区"].map(String::from).to_vec();
    let sites = ["S1", "S2", "c1", "1"];
    let columns: MatrixColumns = "site,compound,cost".parse().expect("valid columns");
    for unit in [CostUnit::Metres, CostUnit::Minutes] {
        let table = CostTable::parse(
            Path::new("fuzz.csv"),
            data,
            &columns,
            unit,
            4.0,
            &compounds,
            &sites,
        );
        if let Ok(t) = table {
            let costs = t.by_site.values().flatten();
            assert!(
                costs
                    .clone()
                    .all(|&(c, m)| (c as usize) < compounds.len() && m >= 0.0)
            );
            assert_eq!(t.rows, t.by_site.values().map(Vec::len).sum::<usize>());
        }
    }
});
