package report

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Series is one set of bars of a chart.
type Series struct {
	Name   string
	Values []float64
}

// Chart is a grouped bar chart (one group of bars per label, one bar per series), or with Line a
// line chart (one point per label, one line per series).
type Chart struct {
	Title  string
	Labels []string
	Series []Series
	Line   bool
}

// fills tell the series apart without colour (greyscale and colour-blind readers): solid,
// diagonal hatching, dots. The legend shows each with its name, and every bar carries its value
// when there is room.
var fills = []string{"solid", "hatch", "dots"}

// esc escapes text for SVG.
func esc(s string) string { return template.HTMLEscapeString(s) }

// SVG renders the chart as an accessible SVG image: role="img", a <title> and a <desc> that
// says in words what it shows, patterns rather than colour alone, and the values on the bars.
// The table of the same figures follows it on the page.
func (c Chart) SVG(id string) template.HTML {
	if c.Line {
		return c.lineSVG(id)
	}
	const (
		height = 260.0
		top    = 30.0
		bottom = 60.0
		left   = 44.0
		barW   = 14.0
		gap    = 10.0
	)
	ns := max(len(c.Series), 1)
	groupW := float64(ns)*barW + gap
	width := left + float64(len(c.Labels))*groupW + 20
	legend := left
	for _, s := range c.Series {
		legend += legendWidth(s.Name)
	}
	width = math.Max(math.Max(width, 320), legend)
	peak := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			peak = math.Max(peak, v)
		}
	}
	scale := niceMax(peak)
	plotH := height - top - bottom
	var b strings.Builder
	desc := c.describe()
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="%[1]s-t %[1]s-d" viewBox="0 0 %.0[2]f %.0[3]f" width="%.0[2]f" height="%.0[3]f">`, id, width, height)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(c.Title), id, esc(desc))
	fmt.Fprintf(&b, `<defs><pattern id="%[1]s-solid" width="4" height="4" patternUnits="userSpaceOnUse"><rect width="4" height="4" fill="#0b0c0c"/></pattern>`+
		`<pattern id="%[1]s-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><rect width="3" height="6" fill="#505a5f"/></pattern>`+
		`<pattern id="%[1]s-dots" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.5" fill="#0b0c0c"/></pattern></defs>`, id)
	fill := func(j int) string { return "url(#" + id + "-" + fills[j%len(fills)] + ")" }
	// Axis and gridlines at quarters of the scale.
	for i := 0; i <= 4; i++ {
		y := top + plotH - plotH*float64(i)/4
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#b1b4b6" stroke-width="1"/>`, left, y, width-10, y)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" font-size="11" text-anchor="end" fill="#0b0c0c">%s</text>`, left-4, y+4, tick(scale*float64(i)/4))
	}
	labelEvery := 1 + len(c.Labels)/16
	for i, label := range c.Labels {
		x0 := left + 6 + float64(i)*groupW
		for j, s := range c.Series {
			v := 0.0
			if i < len(s.Values) {
				v = s.Values[i]
			}
			h := 0.0
			if scale > 0 {
				h = plotH * v / scale
			}
			x := x0 + float64(j)*barW
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.0f" height="%.1f" fill="%s" stroke="#0b0c0c" stroke-width="1"><title>%s, %s: %s</title></rect>`,
				x, top+plotH-h, barW-2, h, fill(j), esc(label), esc(s.Name), Thousands(int(v)))
			if len(c.Labels) <= 12 && v > 0 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle" fill="#0b0c0c">%s</text>`, x+(barW-2)/2, top+plotH-h-3, Thousands(int(v)))
			}
		}
		if i%labelEvery == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="end" fill="#0b0c0c" transform="rotate(-40 %.1f %.1f)">%s</text>`,
				x0+groupW/2, top+plotH+14, x0+groupW/2, top+plotH+14, esc(label))
		}
	}
	// The legend: each series' pattern beside its name.
	// Each entry as wide as its name (about 7 pixels a letter at 12px), so long names do not overlap.
	x := left
	for j, s := range c.Series {
		fmt.Fprintf(&b, `<rect x="%.0f" y="6" width="14" height="14" fill="%s" stroke="#0b0c0c"/><text x="%.0f" y="18" font-size="12" fill="#0b0c0c">%s</text>`,
			x, fill(j), x+18, esc(s.Name))
		x += legendWidth(s.Name)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec: built above, every text escaped
}

// describe is the chart's text alternative: what it plots and the largest figure of each series.
func (c Chart) describe() string {
	if len(c.Labels) == 0 {
		return c.Title + ": no figures in this range. The table below gives the same figures."
	}
	var parts []string
	for _, s := range c.Series {
		best, at := -1.0, ""
		total := 0.0
		for i, v := range s.Values {
			total += v
			if v > best {
				best, at = v, c.Labels[i]
			}
		}
		if c.Line {
			parts = append(parts, fmt.Sprintf("%s: %s at the start, %s at the end, most %s (%s)", s.Name,
				Thousands(int(s.Values[0])), Thousands(int(s.Values[len(s.Values)-1])), Thousands(int(best)), at))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: %s in all, most %s (%s)", s.Name, Thousands(int(total)), Thousands(int(best)), at))
	}
	if c.Line {
		return fmt.Sprintf("Line chart, %s, %d points from %s to %s. %s. The table below gives every figure.",
			c.Title, len(c.Labels), c.Labels[0], c.Labels[len(c.Labels)-1], strings.Join(parts, "; "))
	}
	return fmt.Sprintf("Bar chart, %s, %d bars per group from %s to %s. %s. The table below gives every figure.",
		c.Title, len(c.Series), c.Labels[0], c.Labels[len(c.Labels)-1], strings.Join(parts, "; "))
}

// niceMax is the axis' top: peak rounded up to 1, 2, 2.5 or 5 times a power of ten (4 when 0).
func niceMax(peak float64) float64 {
	if peak <= 0 {
		return 4
	}
	p := math.Pow(10, math.Floor(math.Log10(peak)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= peak {
			if m*p < 4 {
				return 4
			}
			return m * p
		}
	}
	return 10 * p
}

// markerOf tells a line chart's series apart without colour: a circle, a square, a triangle, in
// turn (and their lines' dashes differ too).
func markerOf(j int) string { return [...]string{"circle", "square", "triangle"}[j%3] }

// lineSVG renders a line chart: one polyline per series with a marker at each point (and its
// value when there are few), the axis and gridlines as the bar chart has them.
func (c Chart) lineSVG(id string) template.HTML {
	const (
		height = 260.0
		top    = 30.0
		bottom = 60.0
		left   = 44.0
	)
	step := 28.0
	if len(c.Labels) > 31 {
		step = math.Max(4, 900/float64(len(c.Labels)))
	}
	width := math.Max(left+float64(len(c.Labels))*step+30, 320)
	peak := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			peak = math.Max(peak, v)
		}
	}
	scale := niceMax(peak)
	plotH := height - top - bottom
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="%[1]s-t %[1]s-d" viewBox="0 0 %.0[2]f %.0[3]f" width="%.0[2]f" height="%.0[3]f">`, id, width, height)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(c.Title), id, esc(c.describe()))
	for i := 0; i <= 4; i++ {
		y := top + plotH - plotH*float64(i)/4
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#b1b4b6" stroke-width="1"/>`, left, y, width-10, y)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" font-size="11" text-anchor="end" fill="#0b0c0c">%s</text>`, left-4, y+4, tick(scale*float64(i)/4))
	}
	x := func(i int) float64 { return left + 12 + float64(i)*step }
	y := func(v float64) float64 { return top + plotH - plotH*v/scale }
	dashes := []string{"", ` stroke-dasharray="6 3"`, ` stroke-dasharray="2 3"`}
	for j, s := range c.Series {
		var pts []string
		for i, v := range s.Values {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#0b0c0c" stroke-width="2"%s/>`, strings.Join(pts, " "), dashes[j%len(dashes)])
		for i, v := range s.Values {
			label := ""
			if i < len(c.Labels) {
				label = c.Labels[i]
			}
			b.WriteString(marker(markerOf(j), x(i), y(v), esc(label)+", "+esc(s.Name)+": "+Thousands(int(v))))
			if len(s.Values) <= 12 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle" fill="#0b0c0c">%s</text>`, x(i), y(v)-7, Thousands(int(v)))
			}
		}
	}
	labelEvery := 1 + len(c.Labels)/16
	for i, label := range c.Labels {
		if i%labelEvery == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="end" fill="#0b0c0c" transform="rotate(-40 %.1f %.1f)">%s</text>`,
				x(i), top+plotH+14, x(i), top+plotH+14, esc(label))
		}
	}
	lx := left
	for j, s := range c.Series {
		fmt.Fprintf(&b, `<line x1="%.0f" y1="13" x2="%.0f" y2="13" stroke="#0b0c0c" stroke-width="2"%s/>`, lx, lx+22, dashes[j%len(dashes)])
		b.WriteString(marker(markerOf(j), lx+11, 13, ""))
		fmt.Fprintf(&b, `<text x="%.0f" y="18" font-size="12" fill="#0b0c0c">%s</text>`, lx+28, esc(s.Name))
		lx += legendWidth(s.Name) + 10
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec: built above, every text escaped
}

// marker draws a point of a line chart, with its value as a tooltip when title is not empty
// (title is escaped by the caller).
func marker(shape string, x, y float64, title string) string {
	t := ""
	if title != "" {
		t = "<title>" + title + "</title>"
	}
	switch shape {
	case "square":
		return fmt.Sprintf(`<rect x="%.1f" y="%.1f" width="7" height="7" fill="#0b0c0c">%s</rect>`, x-3.5, y-3.5, t)
	case "triangle":
		return fmt.Sprintf(`<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="#0b0c0c">%s</polygon>`, x, y-4.5, x-4.5, y+3.5, x+4.5, y+3.5, t)
	}
	return fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="3.5" fill="#0b0c0c">%s</circle>`, x, y, t)
}

// tick is an axis' label: the value exactly ("5", "1,000", "1.25"), so a gridline at a
// quarter of an axis of 5 does not read "1" (and a bar of 1 fall short of it).
func tick(v float64) string {
	if v == math.Trunc(v) {
		return Thousands(int(v))
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// legendWidth is the room a legend entry takes: its key and its name (about 7 pixels a letter).
func legendWidth(name string) float64 { return 18 + 7*float64(len([]rune(name))) + 16 }
