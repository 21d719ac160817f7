package report

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Series is one set of bars of a chart.
type Series struct {
	Name   string
	Values []float64
}

// Chart is a grouped bar chart: one group of bars per label, one bar per series.
type Chart struct {
	Title  string
	Labels []string
	Series []Series
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
	width = math.Max(width, 320)
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
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" font-size="11" text-anchor="end" fill="#0b0c0c">%s</text>`, left-4, y+4, Thousands(int(scale*float64(i)/4)))
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
	for j, s := range c.Series {
		x := left + float64(j)*110
		fmt.Fprintf(&b, `<rect x="%.0f" y="6" width="14" height="14" fill="%s" stroke="#0b0c0c"/><text x="%.0f" y="18" font-size="12" fill="#0b0c0c">%s</text>`,
			x, fill(j), x+18, esc(s.Name))
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
		parts = append(parts, fmt.Sprintf("%s: %s in all, most %s (%s)", s.Name, Thousands(int(total)), Thousands(int(best)), at))
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
