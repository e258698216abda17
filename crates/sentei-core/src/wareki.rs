//! Japanese era dates (和暦), shown beside ISO dates where people read them.
//!
//! The era table is data: a new era is one line. Dates before 大正 are shown in the Western
//! calendar only, since before 1873 Japan did not use the Gregorian calendar at all.

use time::{Date, Month};

/// Eras from newest to oldest: name and first day.
const ERAS: [(&str, i32, Month, u8); 4] = [
    ("令和", 2019, Month::May, 1),
    ("平成", 1989, Month::January, 8),
    ("昭和", 1926, Month::December, 25),
    ("大正", 1912, Month::July, 30),
];

/// `令和8年11月22日`; the first year of an era is 元年. `None` before 大正.
pub fn format(date: Date) -> Option<String> {
    ERAS.iter().find_map(|&(name, year, month, day)| {
        let start = Date::from_calendar_date(year, month, day).ok()?;
        if date < start {
            return None;
        }
        let era_year = date.year() - year + 1;
        let year_text = if era_year == 1 {
            "元".to_owned()
        } else {
            era_year.to_string()
        };
        Some(format!(
            "{name}{year_text}年{}月{}日",
            u8::from(date.month()),
            date.day()
        ))
    })
}

/// `2026-11-22（令和8年11月22日）`, or the ISO date alone before 大正.
pub fn with_iso(date: Date) -> String {
    match format(date) {
        Some(wareki) => format!("{date}（{wareki}）"),
        None => date.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn era_boundaries_and_first_years() {
        assert_eq!(format(date!(2019 - 05 - 01)).unwrap(), "令和元年5月1日");
        assert_eq!(format(date!(2019 - 04 - 30)).unwrap(), "平成31年4月30日");
        assert_eq!(format(date!(1989 - 01 - 08)).unwrap(), "平成元年1月8日");
        assert_eq!(format(date!(1989 - 01 - 07)).unwrap(), "昭和64年1月7日");
        assert_eq!(format(date!(1926 - 12 - 25)).unwrap(), "昭和元年12月25日");
        assert_eq!(format(date!(1926 - 12 - 24)).unwrap(), "大正15年12月24日");
        assert_eq!(format(date!(1912 - 07 - 30)).unwrap(), "大正元年7月30日");
        assert_eq!(format(date!(1912 - 07 - 29)), None);
    }

    #[test]
    fn dates_read_as_people_write_them() {
        assert_eq!(format(date!(2026 - 11 - 22)).unwrap(), "令和8年11月22日");
        assert_eq!(
            with_iso(date!(2023 - 09 - 20)),
            "2023-09-20（令和5年9月20日）"
        );
        assert_eq!(with_iso(date!(1900 - 01 - 01)), "1900-01-01");
    }
}
