//! Reading untrusted workbooks: calls into calamine, contained, and cell values as text.
//!
//! Fuzzing found malformed workbooks on which calamine's arithmetic overflows (a `dimension`
//! whose end comes before its start): builds with overflow checks panic there, release builds
//! wrap. Every call into calamine goes through [`contained`], so such a defect becomes a clear
//! error for the person who uploaded the file instead of a crashed request.

/// Runs `call`; `Err(())` when it panicked.
pub(crate) fn contained<T>(call: impl FnOnce() -> T) -> Result<T, ()> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).map_err(|_| ())
}

/// A cell's value as text, as the spreadsheet shows it: a date cell as ISO 8601
/// (2026-04-01), a whole number without decimals. Formulas are not evaluated: this is the
/// value the program that saved the file calculated. An error value (#DIV/0!) is `Err` with
/// a Japanese message.
pub(crate) fn cell_text(value: &calamine::DataRef<'_>) -> Result<String, String> {
    use calamine::DataRef;
    Ok(match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        // Excel's dates run from 1900 to 9999 (serials 1 to 2,958,465).
        DataRef::DateTime(d) if d.is_datetime() && (1.0..2_958_466.0).contains(&d.as_f64()) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        DataRef::DateTime(d) => d.as_f64().to_string(),
        DataRef::Error(e) => {
            return Err(format!("セルがエラー値（{e}）です。値を入力してください"));
        }
        DataRef::Empty => String::new(),
    })
}
