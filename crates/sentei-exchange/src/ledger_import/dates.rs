//! Dates and periods as municipal ledgers write them: 2026-04-01, 2026/4/1, 2026年4月1日,
//! 令和8年4月1日, 令和元年5月1日, R8.4.1, H31/4/30, with full-width digits, spaces, and a
//! weekday in brackets; periods as 開始～終了 (～, 〜, ~, から…まで, or a dash).
//!
//! A 和暦 date must fall within its era (平成31年5月1日 does not exist), and two-digit western
//! years are refused rather than guessed.

use time::{Date, Month};

/// An era: its names, and its first and last day.
struct Era {
    names: [&'static str; 2],
    first: (i32, u8, u8),
    last: Option<(i32, u8, u8)>,
}

const ERAS: [Era; 3] = [
    Era {
        names: ["令和", "R"],
        first: (2019, 5, 1),
        last: None,
    },
    Era {
        names: ["平成", "H"],
        first: (1989, 1, 8),
        last: Some((2019, 4, 30)),
    },
    Era {
        names: ["昭和", "S"],
        first: (1926, 12, 25),
        last: Some((1989, 1, 7)),
    },
];

/// Separators between the start and the end of a period, most specific first.
const PERIOD_SEPARATORS: [&str; 7] = ["～", "〜", "~", "から", "―", "—", "－"];

/// A date, or why the text is not one (in Japanese, quoting the text).
pub fn parse_date(text: &str) -> Result<Date, String> {
    let cleaned = clean(without_time(text.trim()));
    if cleaned.is_empty() {
        return Err("日付がありません".to_owned());
    }
    date_of(&cleaned).ok_or_else(|| {
        format!(
            "「{}」を日付として読めません（2026-04-01、2026/4/1、令和8年4月1日、R8.4.1 のように書いてください）",
            text.trim()
        )
    })?
}

/// A period written in one cell: its first and last day.
pub fn parse_period(text: &str) -> Result<(Date, Date), String> {
    let trimmed = text.trim();
    let trimmed = trimmed.strip_suffix("まで").unwrap_or(trimmed).trim_end();
    if trimmed.is_empty() {
        return Err("利用期間がありません".to_owned());
    }
    let halves = PERIOD_SEPARATORS
        .iter()
        .find_map(|sep| trimmed.split_once(sep))
        .or_else(|| split_at_dash(trimmed));
    let Some((start, end)) = halves else {
        return Err(format!(
            "利用期間「{trimmed}」を「開始日～終了日」の形で書いてください"
        ));
    };
    if end.trim().is_empty() {
        return Err(format!(
            "利用期間「{trimmed}」に終了日がありません。台帳には終了日が必要です"
        ));
    }
    Ok((parse_date(start)?, parse_date(end)?))
}

/// A period written with a plain dash (2026/4/1-2027/3/31): the one dash whose two sides are
/// both dates, so the dashes inside ISO dates are not taken for the separator.
fn split_at_dash(text: &str) -> Option<(&str, &str)> {
    let is_date = |part: &str| date_of(&clean(part)).is_some_and(|d| d.is_ok());
    text.match_indices('-')
        .map(|(at, _)| (&text[..at], &text[at + 1..]))
        .find(|(start, end)| is_date(start) && is_date(end))
}

/// The date part of a date and time (`2026-04-01T00:00:00`, `2026/4/1 0:00`).
fn without_time(text: &str) -> &str {
    let Some(colon) = text.find(':') else {
        return text;
    };
    let before = &text[..colon];
    match before.rfind(|c: char| c.is_whitespace() || c == 'T') {
        Some(cut) => &text[..cut],
        None => text,
    }
}

/// Full-width digits and signs to half width, spaces and a bracketed weekday removed.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0u8;
    for c in text.chars() {
        let c = match u32::from(c) {
            0xFF01..=0xFF5E => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        match c {
            '(' => depth = depth.saturating_add(1),
            ')' => depth = depth.saturating_sub(1),
            _ if depth > 0 || c.is_whitespace() => {}
            _ => out.push(c),
        }
    }
    out
}

/// `None` when the text does not look like a date at all; `Some(Err)` when it does but is
/// not a real one (2月30日, an era's year out of range).
fn date_of(text: &str) -> Option<Result<Date, String>> {
    let (era, rest) = match ERAS.iter().find_map(|era| {
        era.names
            .iter()
            .find_map(|name| strip_prefix_ignore_case(text, name).map(|rest| (era, rest)))
    }) {
        Some((era, rest)) => (Some(era), rest),
        None => (None, text),
    };
    let parts: Vec<&str> = rest
        .split(['年', '月', '日', '/', '.', '-'])
        .filter(|p| !p.is_empty())
        .collect();
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    let year: i32 = if era.is_some() && *year == "元" {
        1
    } else {
        number(year)?
    };
    let (month, day): (u8, u8) = (number(month)?, number(day)?);
    Some(match era {
        Some(era) => in_era(era, year, month, day),
        None if year < 1000 => Err(format!(
            "年「{year}」は西暦4桁か和暦（令和8年など）で書いてください"
        )),
        None => calendar(year, month, day),
    })
}

fn in_era(era: &Era, year: i32, month: u8, day: u8) -> Result<Date, String> {
    let name = era.names[0];
    let western = era.first.0 + year - 1;
    let date = calendar(western, month, day)
        .map_err(|_| format!("{name}{year}年{month}月{day}日という日はありません"))?;
    let bound = |(y, m, d): (i32, u8, u8)| calendar(y, m, d).ok();
    let before = bound(era.first).is_some_and(|first| date < first);
    let after = era.last.and_then(bound).is_some_and(|last| date > last);
    if year < 1 || before || after {
        return Err(format!(
            "{name}{year}年{month}月{day}日は{name}の期間にありません"
        ));
    }
    Ok(date)
}

fn calendar(year: i32, month: u8, day: u8) -> Result<Date, String> {
    Month::try_from(month)
        .ok()
        .and_then(|m| Date::from_calendar_date(year, m, day).ok())
        .ok_or_else(|| format!("{year}年{month}月{day}日という日はありません"))
}

fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || text.len() > 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn strip_prefix_ignore_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn western_dates_in_the_usual_spellings() {
        for text in [
            "2026-04-01",
            "2026/4/1",
            "2026/04/01",
            "2026.4.1",
            "2026年4月1日",
            "２０２６年４月１日",
            " 2026 / 4 / 1 ",
            "2026年4月1日(水)",
            "2026年4月1日（水）",
            "2026-04-01T00:00:00",
            "2026/4/1 0:00",
            "2026/4/1 12:30:00",
        ] {
            assert_eq!(parse_date(text), Ok(date!(2026 - 04 - 01)), "{text}");
        }
    }

    #[test]
    fn japanese_era_dates() {
        assert_eq!(parse_date("令和8年4月1日"), Ok(date!(2026 - 04 - 01)));
        assert_eq!(parse_date("令和元年5月1日"), Ok(date!(2019 - 05 - 01)));
        assert_eq!(parse_date("R8.4.1"), Ok(date!(2026 - 04 - 01)));
        assert_eq!(parse_date("r08/04/01"), Ok(date!(2026 - 04 - 01)));
        assert_eq!(parse_date("Ｒ８．４．１"), Ok(date!(2026 - 04 - 01)));
        assert_eq!(parse_date("平成31年4月30日"), Ok(date!(2019 - 04 - 30)));
        assert_eq!(parse_date("H31.4.30"), Ok(date!(2019 - 04 - 30)));
        assert_eq!(parse_date("平成元年1月8日"), Ok(date!(1989 - 01 - 08)));
        assert_eq!(parse_date("昭和64年1月7日"), Ok(date!(1989 - 01 - 07)));
    }

    #[test]
    fn dates_outside_their_era_or_the_calendar_are_refused_by_name() {
        let refused = |text: &str| parse_date(text).unwrap_err();
        assert!(refused("平成31年5月1日").contains("平成の期間にありません"));
        assert!(refused("令和元年4月30日").contains("令和の期間にありません"));
        assert!(refused("令和0年5月1日").contains("令和の期間にありません"));
        assert!(refused("昭和64年1月8日").contains("昭和の期間にありません"));
        assert!(refused("令和8年2月30日").contains("令和8年2月30日という日はありません"));
        assert!(refused("2026/13/1").contains("2026年13月1日という日はありません"));
        assert!(refused("26/4/1").contains("西暦4桁か和暦"));
        assert!(refused("来年度").contains("「来年度」を日付として読めません"));
        assert!(refused("2026/4").contains("日付として読めません"));
        assert_eq!(refused("  "), "日付がありません");
    }

    #[test]
    fn periods_in_one_cell() {
        let year = Ok((date!(2026 - 04 - 01), date!(2027 - 03 - 31)));
        for text in [
            "2026/4/1～2027/3/31",
            "2026/4/1 〜 2027/3/31",
            "2026-04-01~2027-03-31",
            "令和8年4月1日から令和9年3月31日まで",
            "R8.4.1－R9.3.31",
            "2026/4/1-2027/3/31",
            "2026-04-01 - 2027-03-31",
            "2026-04-01-2027-03-31",
        ] {
            assert_eq!(parse_period(text), year, "{text}");
        }
    }

    #[test]
    fn periods_without_an_end_or_a_separator_are_refused() {
        assert!(
            parse_period("令和8年4月1日～")
                .unwrap_err()
                .contains("終了日がありません")
        );
        assert!(
            parse_period("2026年度")
                .unwrap_err()
                .contains("「開始日～終了日」の形で")
        );
        assert!(
            parse_period("2026/4/1～来年")
                .unwrap_err()
                .contains("「来年」を日付として読めません")
        );
    }
}
