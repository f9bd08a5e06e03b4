//! The HTML page's charts, drawn as SVG by plotters (its SVG backend only: text is SVG
//! `<text>`, laid out by the browser, so no font file is read or embedded). Charts show
//! dates and counts only, never a string from a log.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::palette::{self, Rgb};
use crate::outcome::Outcome;
use crate::report::days::DIRECTIONS;
use crate::report::DayRow;

/// The size of a chart, in SVG pixels (scaled to the page's width by CSS).
const SIZE: (u32, u32) = (1000, 300);

fn colour(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
type ChartResult = Result<(), Box<dyn std::error::Error>>;

/// Draws into an SVG document and returns it; a drawing error leaves an empty string
/// (the page then says the chart is missing rather than failing the run).
fn svg(draw: impl FnOnce(&Area) -> ChartResult) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        let drawn = root
            .fill(&WHITE)
            .map_err(Into::into)
            .and_then(|_| draw(&root));
        if drawn
            .and_then(|_| root.present().map_err(Into::into))
            .is_err()
        {
            drop(root);
            out.clear();
        }
    }
    out
}

/// `MM-DD` of the day at an x position, for the axis.
fn day_label(days: &[DayRow], x: f64) -> String {
    let i = x.round();
    if i < 0.0 || (i as usize) >= days.len() || (x - i).abs() > 0.01 {
        return String::new();
    }
    days[i as usize].day.format("%m-%d").to_string()
}

/// The grey band and label of each day without logs.
fn missing_bands<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    days: &[DayRow],
    top: f64,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let missing: Vec<f64> = (days.iter().enumerate())
        .filter(|(_, d)| d.missing)
        .map(|(i, _)| i as f64)
        .collect();
    let band = colour(palette::MISSING).filled();
    chart.draw_series(
        (missing.iter()).map(|x| Rectangle::new([(x - 0.5, 0.0), (x + 0.5, top)], band)),
    )?;
    let font = ("sans-serif", 13)
        .into_font()
        .transform(FontTransform::Rotate270)
        .color(&RGBColor(0x66, 0x66, 0x66));
    chart.draw_series(
        (missing.iter()).map(|x| Text::new("missing", (*x, top * 0.5), font.clone())),
    )?;
    Ok(())
}

/// Sessions per day, stacked by outcome in column order (every outcome, each in its
/// colour); days without logs are grey bands labelled `missing`.
pub fn sessions_by_outcome(days: &[DayRow]) -> String {
    let top = (days.iter().map(|d| d.sessions).max().unwrap_or(0) as f64 * 1.1).max(1.0);
    svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5..(days.len() as f64 - 0.5), 0.0..top)?;
        configure(&mut chart, days, "sessions")?;
        missing_bands(&mut chart, days, top)?;
        // Bars as wide as ten days would have them: a day alone is not a wall.
        let half = 0.4 * (days.len() as f64 / 10.0).min(1.0);
        for o in Outcome::ALL {
            let style = colour(palette::outcome(o)).filled();
            let bars = days.iter().enumerate().filter(|(_, d)| d.outcomes[o] > 0);
            chart.draw_series(bars.map(|(i, d)| {
                let below: u64 = Outcome::ALL
                    .iter()
                    .take_while(|x| **x != o)
                    .map(|x| d.outcomes[*x])
                    .sum();
                let x = i as f64;
                let (y0, y1) = (below as f64, (below + d.outcomes[o]) as f64);
                Rectangle::new([(x - half, y0), (x + half, y1)], style)
            }))?;
        }
        Ok(())
    })
}

/// The sessions the policy would refuse per day, one line per direction; a day without
/// logs breaks the line.
pub fn refused_by_direction(days: &[DayRow]) -> String {
    let most = DIRECTIONS
        .iter()
        .flat_map(|d| days.iter().map(|x| x.refused.get(*d)))
        .max();
    let top = (most.unwrap_or(0) as f64 * 1.1).max(1.0);
    svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5..(days.len() as f64 - 0.5), 0.0..top)?;
        configure(&mut chart, days, "refused sessions")?;
        missing_bands(&mut chart, days, top)?;
        for d in DIRECTIONS {
            let style = colour(palette::direction(d)).stroke_width(2);
            for run in runs(days, |x| x.refused.get(d)) {
                chart.draw_series(LineSeries::new(run.clone(), style))?;
                chart.draw_series(run.into_iter().map(|p| Circle::new(p, 3, style.filled())))?;
            }
        }
        Ok(())
    })
}

/// The points of each run of days with logs: a day without logs ends a line.
fn runs(days: &[DayRow], value: impl Fn(&DayRow) -> u64) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![Vec::new()];
    for (i, d) in days.iter().enumerate() {
        match runs.last_mut() {
            Some(run) if !d.missing => run.push((i as f64, value(d) as f64)),
            Some(run) if !run.is_empty() => runs.push(Vec::new()),
            _ => {}
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

/// Axes and grid: one label per day up to 15 days, fewer beyond.
fn configure<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    days: &[DayRow],
    y_desc: &str,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let label = |x: &f64| day_label(days, *x);
    // Counts are whole: no decimals on the axis.
    let count = |y: &f64| format!("{y:.0}");
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(0xe4, 0xe4, 0xe4))
        .x_labels(days.len().min(15))
        .x_label_formatter(&label)
        .y_labels(6)
        .y_label_formatter(&count)
        .y_desc(y_desc)
        .label_style(("sans-serif", 14))
        .draw()?;
    Ok(())
}
