//! Five chart shapes, each a row of panels above one legend strip (so a
//! legend never covers data): paired scatter, box plots, grouped box plots,
//! histograms, lines with bands. Plotters does the drawing; this file only
//! lays out. Colours come from the caller (one per condition).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::stats::quantile;

#[derive(thiserror::Error, Debug)]
#[error("{path}: {message}")]
pub struct PlotError {
    pub path: String,
    pub message: String,
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A legend entry: a filled swatch (a condition), a dashed line (a
/// reference) or the paper's mark beside a box.
pub struct Key {
    pub label: String,
    pub color: RGBColor,
    pub look: Look,
}

#[derive(Clone, Copy, PartialEq)]
pub enum Look {
    Swatch,
    Dashed,
    PaperMark,
}

impl Key {
    pub fn swatch(label: String, color: RGBColor) -> Key {
        Key {
            label,
            color,
            look: Look::Swatch,
        }
    }

    pub fn dashed(label: String, color: RGBColor) -> Key {
        Key {
            label,
            color,
            look: Look::Dashed,
        }
    }

    pub fn paper_mark(label: String) -> Key {
        Key {
            label,
            color: BLACK,
            look: Look::PaperMark,
        }
    }
}

pub type Legend = Vec<Key>;

const PANEL_W: u32 = 380;
const PANEL_H: u32 = 360;
const LEGEND_ROW: u32 = 22;
const FONT: &str = "sans-serif";

fn e<E: std::fmt::Display>(r: E) -> String {
    r.to_string()
}

/// Rough width in pixels of `s` at `size` (sans-serif averages ~0.55 em).
fn text_width(s: &str, size: u32) -> u32 {
    (s.chars().count() as f64 * f64::from(size) * 0.55).ceil() as u32
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

/// A tick label with as many decimals as the axis span needs, never "-0.0".
fn tick(v: f64, span: f64) -> String {
    let decimals = match span {
        s if s >= 20.0 => 0,
        s if s >= 1.0 => 1,
        s if s >= 0.1 => 2,
        _ => 3,
    };
    let t = format!("{v:.decimals$}");
    match t.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => t,
    }
}

/// A tick label at integers only (epochs, counts).
fn integer_tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        String::new()
    }
}

/// Legend rows: entries packed left to right within `width`.
fn legend_rows(legend: &[Key], width: u32) -> Vec<Vec<usize>> {
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut used = width;
    for (i, key) in legend.iter().enumerate() {
        let w = 40 + text_width(&key.label, 14);
        if used + w > width {
            rows.push(Vec::new());
            used = 10;
        }
        used += w;
        rows.last_mut().expect("a row was pushed").push(i);
    }
    rows
}

/// Panels per row before a figure wraps onto another row.
const MAX_COLUMNS: usize = 4;

/// Draws `panels` side by side, each `panel_w` wide, at most
/// [`MAX_COLUMNS`] to a row, with `legend` below.
fn figure<P>(
    path: &Path,
    title: &str,
    (panel_w, panel_h): (u32, u32),
    legend: &[Key],
    panels: &[P],
    draw: impl Fn(&Area, &P) -> Result<(), String>,
) -> Result<(), PlotError> {
    let err = |message: String| PlotError {
        path: path.display().to_string(),
        message,
    };
    let columns = panels.len().clamp(1, MAX_COLUMNS);
    let panel_rows = panels.len().div_ceil(columns).max(1);
    let width = (panel_w * columns as u32).max(text_width(title, 20) + 40);
    let plots_h = panel_h * panel_rows as u32;
    let rows = legend_rows(legend, width);
    let legend_h = if rows.is_empty() {
        0
    } else {
        rows.len() as u32 * LEGEND_ROW + 8
    };
    // Drawn in memory, then written atomically: a kill never leaves half a figure.
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, plots_h + 34 + legend_h)).into_drawing_area();
        root.fill(&WHITE).map_err(|x| err(e(x)))?;
        let body = root.titled(title, (FONT, 20)).map_err(|x| err(e(x)))?;
        let (plots, strip) = body.split_vertically(plots_h);
        for (area, p) in plots.split_evenly((panel_rows, columns)).iter().zip(panels) {
            draw(area, p).map_err(err)?;
        }
        for (r, row) in rows.iter().enumerate() {
            let y = 4 + r as i32 * LEGEND_ROW as i32;
            let mut x = 10;
            for &i in row {
                let key = &legend[i];
                let drawn = match key.look {
                    Look::Dashed => {
                        let dash = |x0: i32| {
                            PathElement::new([(x0, y + 8), (x0 + 6, y + 8)], key.color.stroke_width(2))
                        };
                        strip.draw(&dash(x)).and_then(|_| strip.draw(&dash(x + 10)))
                    }
                    Look::Swatch => strip.draw(&Rectangle::new(
                        [(x, y + 3), (x + 16, y + 13)],
                        key.color.filled(),
                    )),
                    Look::PaperMark => strip.draw(&paper_mark((x + 8, y + 8))),
                };
                drawn.map_err(|x| err(e(x)))?;
                strip
                    .draw(&Text::new(key.label.as_str(), (x + 22, y), (FONT, 14)))
                    .map_err(|x| err(e(x)))?;
                x += 40 + text_width(&key.label, 14) as i32;
            }
        }
        root.present().map_err(|x| err(e(x)))?;
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
        .caption(title, (FONT, 16))
        .margin(10)
        .x_label_area_size(x_label_area)
        .y_label_area_size(50)
        .build_cartesian_2d(x, y)
        .map_err(e)
}

/// One scatter panel: a point per pair, in `color`, and the diagonal `y = x`.
pub struct ScatterPanel {
    pub title: String,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
}

pub fn paired_scatter(
    path: &Path,
    title: &str,
    axes_desc: (&str, &str),
    legend: &[Key],
    data: &[ScatterPanel],
) -> Result<(), PlotError> {
    figure(path, title, (PANEL_W, PANEL_H), legend, data, |area, p| {
        let (lo, hi) = range(p.points.iter().flat_map(|&(x, y)| [x, y]));
        let mut chart = axes(area, &p.title, 40, lo..hi, lo..hi)?;
        let fmt = |v: &f64| tick(*v, hi - lo);
        chart
            .configure_mesh()
            .x_desc(axes_desc.0)
            .y_desc(axes_desc.1)
            .x_label_formatter(&fmt)
            .y_label_formatter(&fmt)
            .draw()
            .map_err(e)?;
        chart
            .draw_series(LineSeries::new([(lo, lo), (hi, hi)], BLACK.mix(0.4)))
            .map_err(e)?;
        chart
            .draw_series(
                p.points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 4, p.color.mix(0.75).filled())),
            )
            .map_err(e)?;
        Ok(())
    })
}

/// One box: label under it, colour, sample (empty: not run), and the
/// paper's value for it, if any: a median `(m, m)` or a range `(lo, hi)`.
pub struct BoxItem {
    pub label: String,
    pub color: RGBColor,
    pub values: Vec<f64>,
    pub paper: Option<(f64, f64)>,
}

/// A white diamond with a black edge, drawn at pixel offsets from its anchor.
type Diamond<C, DB> = plotters::element::ComposedElement<C, DB, Polygon<(i32, i32)>, PathElement<(i32, i32)>>;

/// The paper's mark: a black-edged white diamond, seen on any box colour.
fn paper_mark<C, DB: DrawingBackend>(at: C) -> Diamond<C, DB> {
    let diamond = [(0, -6), (6, 0), (0, 6), (-6, 0), (0, -6)];
    EmptyElement::at(at)
        + Polygon::new(diamond, WHITE.filled())
        + PathElement::new(diamond, BLACK.stroke_width(2))
}

/// One box-plot panel, optionally with a dashed black reference line (the LN+ median).
pub struct BoxPanel {
    pub title: String,
    pub boxes: Vec<BoxItem>,
    pub reference: Option<f64>,
}

/// The lowest and highest values within 1.5 IQR of the quartiles.
fn whiskers(v: &[f64]) -> Option<(f64, f64)> {
    let (q1, q3) = (quantile(v, 0.25)?, quantile(v, 0.75)?);
    let fence = 1.5 * (q3 - q1);
    let inside = v.iter().copied().filter(|&y| y >= q1 - fence && y <= q3 + fence);
    Some(inside.fold((q1, q3), |(lo, hi), y| (lo.min(y), hi.max(y))))
}

/// The y axis of boxes: it spans the whiskers (and the reference), not far
/// outliers; returns the axis and how many values lie off it.
fn box_axis<'a>(
    boxes: impl Iterator<Item = &'a BoxItem> + Clone,
    reference: Option<f64>,
) -> ((f64, f64), usize, usize) {
    let axis = range(
        boxes
            .clone()
            .flat_map(|b| {
                let w = whiskers(&b.values).map_or_else(Vec::new, |w| vec![w.0, w.1]);
                w.into_iter()
                    .chain(b.paper.into_iter().flat_map(|(lo, hi)| [lo, hi]))
            })
            .chain(reference),
    );
    let all = boxes.clone().map(|b| b.values.len()).sum();
    let off = boxes
        .flat_map(|b| b.values.iter())
        .filter(|&&y| y < axis.0 || y > axis.1)
        .count();
    (axis, off, all)
}

fn off_axis(title: &str, off: usize, all: usize) -> String {
    if off == 0 {
        title.to_string()
    } else {
        format!("{title} ({off} of {all} points off the axis)")
    }
}

pub fn box_plot(
    path: &Path,
    title: &str,
    y_desc: &str,
    legend: &[Key],
    data: &[BoxPanel],
) -> Result<(), PlotError> {
    let n = data.iter().map(|p| p.boxes.len()).max().unwrap_or(1).max(1);
    let longest = data
        .iter()
        .flat_map(|p| p.boxes.iter().map(|b| text_width(&b.label, 12)))
        .max()
        .unwrap_or(0);
    // Labels side by side while the panel stays under 900 px, else turned
    // a quarter (reading downwards) with the panel that much taller.
    let flat_w = n as u32 * (longest + 14) + 80;
    let (panel_w, label_area, turn) = if flat_w <= 900 {
        (PANEL_W.max(flat_w), 35, FontTransform::None)
    } else {
        (
            PANEL_W.max(n as u32 * 44 + 80),
            longest + 16,
            FontTransform::Rotate90,
        )
    };
    figure(
        path,
        title,
        (panel_w, PANEL_H - 35 + label_area),
        legend,
        data,
        |area, p| {
            let ((lo, hi), off, all) = box_axis(p.boxes.iter(), p.reference);
            let labels: Vec<String> = p.boxes.iter().map(|b| b.label.clone()).collect();
            let turned = matches!(turn, FontTransform::Rotate90);
            let fmt = |x: &f64| {
                let k = x.round();
                if (x - k).abs() < 1e-6 && k >= 0.0 && !turned {
                    labels.get(k as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            };
            let x1 = p.boxes.len() as f64 - 0.4;
            let mut chart = axes(area, &off_axis(&p.title, off, all), label_area, -0.6..x1, lo..hi)?;
            let yfmt = |v: &f64| tick(*v, hi - lo);
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(p.boxes.len().max(1) * 2 + 1)
                .x_label_formatter(&fmt)
                .x_label_style((FONT, 12))
                .y_label_formatter(&yfmt)
                .y_desc(y_desc)
                .draw()
                .map_err(e)?;
            if let Some(y) = p.reference {
                chart
                    .draw_series(DashedLineSeries::new(
                        [(-0.6, y), (x1, y)],
                        8,
                        5,
                        BLACK.stroke_width(2),
                    ))
                    .map_err(e)?;
            }
            for (i, b) in p.boxes.iter().enumerate() {
                draw_box(&mut chart, i as f64, 0.3, b, (lo, hi))?;
                if turned {
                    // Plotters centres turned axis labels on the tick; these start at it.
                    let (x, y) = chart.backend_coord(&(i as f64, lo));
                    let (bx, by) = area.get_base_pixel();
                    let style = TextStyle::from((FONT, 12).into_font())
                        .transform(FontTransform::Rotate90)
                        .pos(Pos::new(HPos::Left, VPos::Center));
                    area.draw(&Text::new(b.label.as_str(), (x - bx, y - by + 8), style))
                        .map_err(e)?;
                }
            }
            Ok(())
        },
    )
}

/// Boxes grouped along x (e.g. by ε), one box per item in each group.
pub struct BoxGroup {
    pub label: String,
    pub boxes: Vec<BoxItem>,
}

pub fn grouped_boxes(
    path: &Path,
    title: &str,
    axes_desc: (&str, &str),
    legend: &[Key],
    groups: &[BoxGroup],
) -> Result<(), PlotError> {
    let m = groups.iter().map(|g| g.boxes.len()).max().unwrap_or(1).max(1);
    let panel_w = PANEL_W.max((groups.len() * m) as u32 * 55 + 90);
    figure(
        path,
        title,
        (panel_w, PANEL_H),
        legend,
        &[groups],
        |area, groups| {
            let ((lo, hi), off, all) = box_axis(groups.iter().flat_map(|g| g.boxes.iter()), None);
            let labels: Vec<String> = groups.iter().map(|g| g.label.clone()).collect();
            let fmt = |x: &f64| {
                let k = x.round();
                if (x - k).abs() < 1e-6 && k >= 0.0 {
                    labels.get(k as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            };
            let caption = off_axis("median, IQR, whiskers to 1.5 IQR", off, all);
            let mut chart = axes(area, &caption, 45, -0.5..(groups.len() as f64 - 0.5), lo..hi)?;
            let yfmt = |v: &f64| tick(*v, hi - lo);
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(groups.len().max(1) * 2 + 1)
                .x_label_formatter(&fmt)
                .y_label_formatter(&yfmt)
                .x_desc(axes_desc.0)
                .y_desc(axes_desc.1)
                .draw()
                .map_err(e)?;
            let step = 0.8 / m as f64;
            for (i, g) in groups.iter().enumerate() {
                for (j, b) in g.boxes.iter().enumerate() {
                    let x = i as f64 + (j as f64 - (m as f64 - 1.0) / 2.0) * step;
                    draw_box(&mut chart, x, step * 0.38, b, (lo, hi))?;
                }
            }
            Ok(())
        },
    )
}

/// Box from the quartiles, whiskers to the furthest values within 1.5 IQR,
/// the values beyond as points (those off the axis are counted in the
/// caption); "not run" for an empty sample.
fn draw_box(chart: &mut Chart, x: f64, w: f64, b: &BoxItem, axis: (f64, f64)) -> Result<(), String> {
    let v = &b.values;
    let c = b.color;
    let (Some(q1), Some(q2), Some(q3), Some((lo, hi))) = (
        quantile(v, 0.25),
        quantile(v, 0.5),
        quantile(v, 0.75),
        whiskers(v),
    ) else {
        let style = TextStyle::from((FONT, 11).into_font())
            .pos(Pos::new(HPos::Center, VPos::Center))
            .color(&c);
        chart
            .draw_series([Text::new("not run", (x, (axis.0 + axis.1) / 2.0), style)])
            .map_err(e)?;
        return Ok(());
    };
    let line = |pts: Vec<(f64, f64)>| PathElement::new(pts, c.stroke_width(2));
    chart
        .draw_series([Rectangle::new([(x - w, q1), (x + w, q3)], c.mix(0.25).filled())])
        .map_err(e)?;
    chart
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
        .map_err(e)?;
    chart
        .draw_series(
            v.iter()
                .filter(|&&y| (y < lo || y > hi) && y >= axis.0 && y <= axis.1)
                .map(|&y| Circle::new((x, y), 3, c.filled())),
        )
        .map_err(e)?;
    match b.paper {
        Some((m, m2)) if m == m2 => {
            chart.draw_series([paper_mark((x, m))]).map_err(e)?;
        }
        Some((lo, hi)) => {
            // A range: a capped black bar just right of the box.
            let (at, cap) = (x + w * 1.3, w * 0.3);
            let bar = [
                (at - cap, lo),
                (at + cap, lo),
                (at, lo),
                (at, hi),
                (at - cap, hi),
                (at + cap, hi),
            ];
            chart
                .draw_series([PathElement::new(bar, BLACK.stroke_width(2))])
                .map_err(e)?;
        }
        None => {}
    }
    Ok(())
}

/// One histogram panel over `[lo, hi]`.
pub struct HistPanel {
    pub title: String,
    pub values: Vec<f64>,
    pub lo: f64,
    pub hi: f64,
}

pub fn histograms(
    path: &Path,
    title: &str,
    x_desc: &str,
    color: RGBColor,
    legend: &[Key],
    data: &[HistPanel],
) -> Result<(), PlotError> {
    const BINS: usize = 20;
    figure(path, title, (PANEL_W, PANEL_H), legend, data, |area, p| {
        let width = (p.hi - p.lo) / BINS as f64;
        let mut counts = [0usize; BINS];
        for &v in p.values.iter().filter(|v| v.is_finite()) {
            let k = (((v - p.lo) / width).floor().max(0.0) as usize).min(BINS - 1);
            counts[k] += 1;
        }
        let most = counts.iter().copied().max().unwrap_or(0).max(1);
        let mut chart = axes(area, &p.title, 40, p.lo..p.hi, 0.0..most as f64 * 1.1)?;
        let xfmt = |v: &f64| tick(*v, p.hi - p.lo);
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc("count (layers × runs)")
            .y_labels(most.min(8) + 1)
            .x_label_formatter(&xfmt)
            .y_label_formatter(&|v: &f64| integer_tick(*v))
            .draw()
            .map_err(e)?;
        chart
            .draw_series(counts.iter().enumerate().map(|(k, &n)| {
                let x0 = p.lo + k as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width, n as f64)], color.mix(0.7).filled())
            }))
            .map_err(e)?;
        Ok(())
    })
}

/// How a line is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stroke {
    /// A summary line, with markers when it has few points.
    Bold,
    /// One line of many (one per run), without markers.
    Thin,
    /// A second kind of summary line beside bold ones, without markers.
    Dashed,
}

/// A line, optionally with a band (x, low, high) around it.
pub struct Series {
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
    pub band: Vec<(f64, f64, f64)>,
    pub stroke: Stroke,
}

pub struct LinePanel {
    pub title: String,
    pub series: Vec<Series>,
}

/// Line panels; `x_integer` puts ticks at integers only (epochs); `y_fixed`
/// pins the y axis (e.g. fractions to 0–1), otherwise it fits the data.
pub fn lines(
    path: &Path,
    title: &str,
    axes_desc: (&str, &str),
    x_integer: bool,
    y_fixed: Option<(f64, f64)>,
    legend: &[Key],
    data: &[LinePanel],
) -> Result<(), PlotError> {
    figure(path, title, (PANEL_W, PANEL_H), legend, data, |area, p| {
        let (x0, x1) = range(p.series.iter().flat_map(|s| s.points.iter().map(|q| q.0)));
        let (y0, y1) = y_fixed.unwrap_or_else(|| {
            range(p.series.iter().flat_map(|s| {
                s.points
                    .iter()
                    .map(|q| q.1)
                    .chain(s.band.iter().flat_map(|b| [b.1, b.2]))
            }))
        });
        let mut chart = axes(area, &p.title, 40, x0..x1, y0..y1)?;
        let xfmt = |v: &f64| {
            if x_integer {
                integer_tick(*v)
            } else {
                tick(*v, x1 - x0)
            }
        };
        let yfmt = |v: &f64| tick(*v, y1 - y0);
        let span = (x1 - x0).round() as usize;
        chart
            .configure_mesh()
            .x_desc(axes_desc.0)
            .y_desc(axes_desc.1)
            .x_labels(if x_integer {
                (2 * span + 1).clamp(3, 12)
            } else {
                10
            })
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .draw()
            .map_err(e)?;
        for s in &p.series {
            if !s.band.is_empty() {
                let outline: Vec<(f64, f64)> = s
                    .band
                    .iter()
                    .map(|b| (b.0, b.2))
                    .chain(s.band.iter().rev().map(|b| (b.0, b.1)))
                    .collect();
                chart
                    .draw_series([Polygon::new(outline, s.color.mix(0.18).filled())])
                    .map_err(e)?;
            }
        }
        for s in &p.series {
            let points = s.points.iter().copied();
            match s.stroke {
                Stroke::Thin => chart.draw_series(LineSeries::new(points, s.color.mix(0.6).stroke_width(1))),
                Stroke::Bold => chart.draw_series(LineSeries::new(points, s.color.stroke_width(2))),
                Stroke::Dashed => {
                    chart.draw_series(DashedLineSeries::new(points, 6, 5, s.color.stroke_width(2)))
                }
            }
            .map_err(e)?;
            if s.stroke == Stroke::Bold && s.points.len() <= 20 {
                chart
                    .draw_series(s.points.iter().map(|&q| Circle::new(q, 3, s.color.filled())))
                    .map_err(e)?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_never_read_minus_zero() {
        assert_eq!(tick(-0.01, 0.5), "-0.01");
        assert_eq!(tick(-0.001, 0.5), "0.00");
        assert_eq!(tick(-0.0004, 0.05), "0.000");
        assert_eq!(tick(-0.04, 1.5), "0.0");
        assert_eq!(tick(-0.5, 1.5), "-0.5");
        assert_eq!(tick(87.26, 5.0), "87.3");
        assert_eq!(integer_tick(1.5), "");
        assert_eq!(integer_tick(3.0), "3");
        assert_eq!(integer_tick(-0.0), "0");
    }
}
