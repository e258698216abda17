//! Charts drawn on the server as SVG (plotters), so pages need no chart script.

use plotters::prelude::*;

/// A bar chart of approvals per month: (label, count) in order. The SVG is plain markup, safe
/// to place in a page (labels are our own month strings).
pub fn approvals(months: &[(String, u64)]) -> String {
    let mut svg = String::new();
    let top = months.iter().map(|(_, n)| *n).max().unwrap_or(0).max(4);
    let count = u32::try_from(months.len()).unwrap_or(0).max(1);
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (760, 260)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(36)
            .build_cartesian_2d((0u32..count).into_segmented(), 0u64..top + 1)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(months.len())
            .y_desc("承認件数")
            .x_label_formatter(&|value| match value {
                SegmentValue::CenterOf(i) => months
                    .get(*i as usize)
                    .map(|m| m.0.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 13))
            .draw()?;
        chart.draw_series(
            Histogram::vertical(&chart)
                .style(RGBColor(11, 92, 173).filled())
                .margin(6)
                .data(months.iter().enumerate().map(|(i, (_, n))| (i as u32, *n))),
        )?;
        root.present()?;
        Ok(())
    })();
    if drawn.is_err() {
        return String::new();
    }
    svg
}
