//! Four SVG chart shapes, each a row of panels: paired scatter, box plots,
//! histograms, lines. Plotters does the drawing; this file only lays out.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::stats::quantile;

#[derive(thiserror::Error, Debug)]
#[error("{path}: {message}")]
pub struct PlotError {
    pub path: String,
    pub message: String,
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

const PANEL_W: u32 = 380;
const PANEL_H: u32 = 360;

fn color(i: usize) -> RGBColor {
    let c = Palette99::pick(i).to_rgba();
    RGBColor(c.0, c.1, c.2)
}

/// `[lo, hi]` of every value, padded by 5 %; `(0, 1)` without values.
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(0.05);
    (lo - pad, hi + pad)
}

/// Draws `panels` side by side into one SVG at `path`.
fn panels<P>(
    path: &Path,
    title: &str,
    panels: &[P],
    draw: impl Fn(&Area, &P) -> Result<(), String>,
) -> Result<(), PlotError> {
    let err = |message: String| PlotError {
        path: path.display().to_string(),
        message,
    };
    let n = panels.len().max(1) as u32;
    // Drawn in memory, then written atomically: a kill never leaves half a figure.
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (PANEL_W * n, PANEL_H + 40)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let root = root
            .titled(title, ("sans-serif", 20))
            .map_err(|e| err(e.to_string()))?;
        for (area, p) in root.split_evenly((1, n as usize)).iter().zip(panels) {
            draw(area, p).map_err(err)?;
        }
        root.present().map_err(|e| err(e.to_string()))?;
    }
    crate::files::write_atomic(path, svg.as_bytes()).map_err(|e| err(e.source.to_string()))
}

/// A panel's axes: caption, margins and label areas shared by every figure.
fn axes<'a, 'b>(
    area: &'a Area<'b>,
    title: &str,
    x_label_area: u32,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> Result<Chart<'a, 'b>, String> {
    ChartBuilder::on(area)
        .caption(title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(x_label_area)
        .y_label_area_size(45)
        .build_cartesian_2d(x, y)
        .map_err(|e| e.to_string())
}

/// Draws the labelled series' legend in a framed box at `position`.
fn legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>, position: SeriesLabelPosition) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())
}

/// One scatter panel: a point per pair, the diagonal `y = x`.
pub struct ScatterPanel {
    pub title: String,
    pub points: Vec<(f64, f64)>,
}

pub fn paired_scatter(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    data: &[ScatterPanel],
) -> Result<(), PlotError> {
    panels(path, title, data, |area, p| {
        let (lo, hi) = range(p.points.iter().flat_map(|&(x, y)| [x, y]));
        let mut chart = axes(area, &p.title, 35, lo..hi, lo..hi)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(LineSeries::new([(lo, lo), (hi, hi)], BLACK.mix(0.4)))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(
                p.points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 4, color(0).mix(0.7).filled())),
            )
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// One box-plot panel: a box per labelled sample, and optionally a
/// horizontal reference line (e.g. the LN+ median).
pub struct BoxPanel {
    pub title: String,
    pub boxes: Vec<(String, Vec<f64>)>,
    pub reference: Option<(String, f64)>,
}

pub fn box_plot(path: &Path, title: &str, y_desc: &str, data: &[BoxPanel]) -> Result<(), PlotError> {
    panels(path, title, data, |area, p| {
        // The axis spans the whiskers (and the reference), not far outliers.
        let (lo, hi) = range(
            p.boxes
                .iter()
                .flat_map(|(_, v)| whiskers(v).map_or_else(Vec::new, |w| vec![w.0, w.1]))
                .chain(p.reference.iter().map(|r| r.1)),
        );
        let n = p.boxes.len();
        let labels: Vec<String> = p.boxes.iter().map(|(l, _)| l.clone()).collect();
        let fmt = |x: &f64| {
            let k = x.round();
            if (x - k).abs() < 1e-6 && k >= 0.0 {
                labels.get(k as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let mut chart = axes(area, &p.title, 30, -0.6..(n as f64 - 0.4), lo..hi)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.max(1) * 2 + 1)
            .x_label_formatter(&fmt)
            .x_label_style(("sans-serif", 11))
            .y_desc(y_desc)
            .draw()
            .map_err(|e| e.to_string())?;
        if let Some((label, y)) = &p.reference {
            chart
                .draw_series(LineSeries::new(
                    [(-0.6, *y), (n as f64 - 0.4, *y)],
                    RED.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(label.as_str())
                .legend(|(x, y)| PathElement::new([(x, y), (x + 15, y)], RED.stroke_width(2)));
            legend(&mut chart, SeriesLabelPosition::LowerLeft)?;
        }
        for (i, (_, v)) in p.boxes.iter().enumerate() {
            draw_box(&mut chart, i as f64, v, color(i), (lo, hi)).map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// The lowest and highest values within 1.5 IQR of the quartiles.
fn whiskers(v: &[f64]) -> Option<(f64, f64)> {
    let (q1, q3) = (quantile(v, 0.25)?, quantile(v, 0.75)?);
    let fence = 1.5 * (q3 - q1);
    let inside = v.iter().copied().filter(|&y| y >= q1 - fence && y <= q3 + fence);
    Some(inside.fold((q1, q3), |(lo, hi), y| (lo.min(y), hi.max(y))))
}

/// Box from the quartiles, whiskers to the furthest values within 1.5 IQR,
/// the values beyond as points (those outside the axis are left out).
fn draw_box(chart: &mut Chart, x: f64, v: &[f64], c: RGBColor, axis: (f64, f64)) -> Result<(), String> {
    let (Some(q1), Some(q2), Some(q3), Some((lo, hi))) = (
        quantile(v, 0.25),
        quantile(v, 0.5),
        quantile(v, 0.75),
        whiskers(v),
    ) else {
        return Ok(());
    };
    let w = 0.3;
    let e = |r: Result<(), DrawingAreaErrorKind<std::io::Error>>| r.map_err(|e| e.to_string());
    let line = |pts: Vec<(f64, f64)>| PathElement::new(pts, c.stroke_width(2));
    e(chart
        .draw_series([Rectangle::new([(x - w, q1), (x + w, q3)], c.mix(0.3).filled())])
        .map(|_| ()))?;
    e(chart
        .draw_series([
            line(vec![
                (x - w, q1),
                (x + w, q1),
                (x + w, q3),
                (x - w, q3),
                (x - w, q1),
            ]),
            line(vec![(x - w, q2), (x + w, q2)]),
            line(vec![(x, q3), (x, hi)]),
            line(vec![(x, q1), (x, lo)]),
            line(vec![(x - w / 2.0, hi), (x + w / 2.0, hi)]),
            line(vec![(x - w / 2.0, lo), (x + w / 2.0, lo)]),
        ])
        .map(|_| ()))?;
    e(chart
        .draw_series(
            v.iter()
                .filter(|&&y| (y < lo || y > hi) && y >= axis.0 && y <= axis.1)
                .map(|&y| Circle::new((x, y), 3, c.filled())),
        )
        .map(|_| ()))
}

/// One histogram panel over `[lo, hi]`.
pub struct HistPanel {
    pub title: String,
    pub values: Vec<f64>,
    pub lo: f64,
    pub hi: f64,
}

pub fn histograms(path: &Path, title: &str, data: &[HistPanel]) -> Result<(), PlotError> {
    const BINS: usize = 20;
    panels(path, title, data, |area, p| {
        let width = (p.hi - p.lo) / BINS as f64;
        let mut counts = [0usize; BINS];
        for &v in p.values.iter().filter(|v| v.is_finite()) {
            let k = (((v - p.lo) / width).floor().max(0.0) as usize).min(BINS - 1);
            counts[k] += 1;
        }
        let top = counts.iter().copied().max().unwrap_or(0).max(1) as f64 * 1.1;
        let mut chart = axes(area, &p.title, 35, p.lo..p.hi, 0.0..top)?;
        chart
            .configure_mesh()
            .y_desc("count")
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(counts.iter().enumerate().map(|(k, &n)| {
                let x0 = p.lo + k as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width, n as f64)], color(0).mix(0.6).filled())
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// One panel of labelled lines.
pub struct LinePanel {
    pub title: String,
    pub series: Vec<(String, Vec<(f64, f64)>)>,
}

pub fn lines(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    data: &[LinePanel],
) -> Result<(), PlotError> {
    panels(path, title, data, |area, p| {
        let (x0, x1) = range(p.series.iter().flat_map(|(_, v)| v.iter().map(|q| q.0)));
        let (y0, y1) = range(p.series.iter().flat_map(|(_, v)| v.iter().map(|q| q.1)));
        let mut chart = axes(area, &p.title, 35, x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, (label, pts)) in p.series.iter().enumerate() {
            let c = color(i);
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(label.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 15, y)], c.stroke_width(2)));
            chart
                .draw_series(pts.iter().map(|&q| Circle::new(q, 3, c.filled())))
                .map_err(|e| e.to_string())?;
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    })
}
