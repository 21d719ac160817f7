package mail

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Trim returns the new part of a plain-text body (as made by Parse: UTF-8, "\n" line ends): the
// text above the quoted history and the signature. It cuts at the first of
//   - a signature delimiter line "-- " (or "--"),
//   - a mobile footer line ("Sent from my iPhone", "Get Outlook for Android", ...) that ends the
//     text or is followed by quoted history,
//   - "-----Original Message-----" (and its translations),
//   - an Outlook reply header, "From: …" followed within a few lines by "Sent: …" or "Date: …"
//     and "To: …" or "Subject: …" (and the "____" rule above it),
//   - an attribution ("On … wrote:", over up to three lines, as Gmail, Apple Mail and Thunderbird
//     write it; a few other languages too) that is not followed by quoted lines,
//
// and drops every line quoted with ">" and the attribution line above a quoted block, so that the
// answers of an inline or bottom-posted reply stay. A forward (forward set, from a subject such as
// "Fwd: ...") is returned whole: the forwarded message is what the sender wants the desk to read.
// When nothing is left, the whole text is returned rather than nothing.
//
// Every line of the result is a line of text, in the same order.
func Trim(text string, forward bool) string {
	text = strings.Trim(text, "\n")
	if forward {
		return text
	}
	lines := strings.Split(text, "\n")
	keep := make([]bool, len(lines))
	end := len(lines)
scan:
	for i := 0; i < end; i++ {
		l := strings.TrimSpace(lines[i])
		keep[i] = true
		switch {
		case isQuoted(lines[i]):
			keep[i] = false
		case strings.TrimRight(lines[i], " ") == "--", originalRE.MatchString(l),
			mobileRE.MatchString(l) && historyFollows(lines, i+1):
			end = i
			break scan
		case isOutlookHeader(lines, i):
			end = i
			// The rule Outlook draws above the header belongs to the history too.
			for j := i - 1; j >= 0; j-- {
				t := strings.TrimSpace(lines[j])
				if t == "" {
					continue
				}
				if ruleRE.MatchString(t) {
					end = j
				}
				break
			}
			break scan
		default:
			n := attribution(lines, i)
			if n == 0 {
				continue
			}
			next := i + n
			for next < len(lines) && strings.TrimSpace(lines[next]) == "" {
				next++
			}
			if next < len(lines) && isQuoted(lines[next]) {
				// The attribution introduces a quote: drop both, keep what follows the quote.
				for j := i; j < i+n; j++ {
					keep[j] = false
				}
				i += n - 1
				continue
			}
			end = i
			break scan
		}
	}
	var out []string
	blank := false
	for i := 0; i < end; i++ {
		if !keep[i] {
			continue
		}
		if strings.TrimSpace(lines[i]) == "" {
			if len(out) > 0 {
				blank = true
			}
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, lines[i])
	}
	if len(out) == 0 {
		return text
	}
	return strings.Join(out, "\n")
}

func isQuoted(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " "), ">")
}

var (
	mobileRE = regexp.MustCompile(`(?i)^(sent from my (iphone|ipad|ipod|android|blackberry|samsung|galaxy|huawei|xiaomi|pixel|mobile|phone|smartphone|windows phone|sony|nokia|htc|lg|motorola)\b.{0,40}` +
		`|sent from (outlook|mail|yahoo mail|gmail|aol|proton ?mail|my mobile)\b.{0,40}` +
		`|get outlook for (ios|android)\b.{0,40}` +
		`|sent (from|via|with) (blackberry|samsung|the samsung|bluemail|spark|outlook)\b.{0,40}` +
		`|envoyé de mon (iphone|ipad|smartphone|mobile).{0,20}|von meinem (iphone|ipad|smartphone|handy) gesendet.{0,10}|enviado desde mi (iphone|ipad|smartphone|móvil).{0,20})$`)
	originalRE = regexp.MustCompile(`(?i)^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht)\s*-{2,}$`)
	ruleRE     = regexp.MustCompile(`^[_\-=]{10,}$`)
	// Outlook's reply header fields, bold (*From:*) when the body was converted from HTML.
	headerFromRE = regexp.MustCompile(`(?i)^\*?(from|de|von|van|da|fra|från|od)\s?:\*?\s*\S`)
	headerDateRE = regexp.MustCompile(`(?i)^\*?(sent|date|envoyé|gesendet|enviado|verzonden|inviato|datum|data|sendt|skickat|fecha)\s?:`)
	headerToRE   = regexp.MustCompile(`(?i)^\*?(to|subject|cc|à|an|para|aan|a|betreff|objet|asunto|oggetto|onderwerp|emne|ämne|til|till)\s?:`)
	// Attributions, whole: "On Mon, 3 Mar 2026 at 10:15, Ann <ann@x> wrote:".
	attributionRE = regexp.MustCompile(`(?i)^(on|le|am|el|il|op|em|den|dne)\s.{4,300}(wrote|a écrit|schrieb|escribió|ha scritto|schreef|escreveu|skrev|napsal)\s?:$`)
	// Older clients' attribution: "Ann Smith wrote:", "Ann Smith <ann@x> writes:".
	shortAttributionRE = regexp.MustCompile(`(?i)^.{1,120}\s(wrote|writes)\s?:$`)
)

// The longest lines, in characters, that attributionRE and shortAttributionRE can match: a
// longer line cannot be one, and is not handed to them (their bounded repeats cost about a
// microsecond per byte, which a message of long lines would turn into minutes).
const (
	maxAttribution      = 3 + 1 + 300 + 12 + 2 // "dne" \s .{4,300} "ha scritto"/"escribió" \s? ":"
	maxShortAttribution = 120 + 1 + 6 + 2      // .{1,120} \s "writes" \s? ":"
)

// couldMatch says whether s may be an attribution line: it ends with a colon and is no longer
// than max characters. Both regular expressions are anchored and end in ":$".
func couldMatch(s string, max int) bool {
	return strings.HasSuffix(s, ":") && len(s) <= 4*max && utf8.RuneCountInString(s) <= max
}

// historyFollows says whether, after blank lines from lines[i], the text ends or quoted history
// or a signature begins.
func historyFollows(lines []string, i int) bool {
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i == len(lines) {
		return true
	}
	l := strings.TrimSpace(lines[i])
	return isQuoted(lines[i]) || l == "--" || ruleRE.MatchString(l) || originalRE.MatchString(l) ||
		isOutlookHeader(lines, i) || attribution(lines, i) > 0
}

// isOutlookHeader says whether lines[i] starts an Outlook reply header block.
func isOutlookHeader(lines []string, i int) bool {
	if !headerFromRE.MatchString(strings.TrimSpace(lines[i])) {
		return false
	}
	date, to := false, false
	for j := i + 1; j < len(lines) && j <= i+6; j++ {
		t := strings.TrimSpace(lines[j])
		date = date || headerDateRE.MatchString(t)
		to = to || headerToRE.MatchString(t)
	}
	return date && to
}

// attribution returns how many lines, from lines[i], make an attribution line ("On … wrote:"),
// which clients may wrap over up to three lines; 0 when lines[i] does not start one.
func attribution(lines []string, i int) int {
	first := strings.TrimSpace(lines[i])
	joined := first
	for n := 1; n <= 3 && i+n <= len(lines); n++ {
		if n > 1 {
			joined += " " + strings.TrimSpace(lines[i+n-1])
		}
		if couldMatch(joined, maxAttribution) && attributionRE.MatchString(joined) {
			return n
		}
	}
	if couldMatch(first, maxShortAttribution) && shortAttributionRE.MatchString(first) {
		// Only above a quote, or it would take "Someone wrote:" in a sentence for history.
		next := i + 1
		for next < len(lines) && strings.TrimSpace(lines[next]) == "" {
			next++
		}
		if next < len(lines) && isQuoted(lines[next]) {
			return 1
		}
	}
	return 0
}

// isForward says whether a subject marks a forwarded message ("Fwd:", "FW:", German "WG:", French
// "TR:", Spanish "RV:"). "Re: Fwd: x" is a reply to a forward, and is trimmed as a reply.
func isForward(subject string) bool {
	s := strings.ToLower(strings.TrimSpace(subject))
	for _, p := range []string{"fwd:", "fw:", "fwd :", "fw :", "wg:", "tr:", "rv:"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// unflow joins the soft line breaks of a format=flowed body (RFC 3676): a line ending in a space
// continues on the next line of the same quote depth. Space-stuffing is undone; with delsp=yes the
// trailing space is removed too. The signature line "-- " is never joined.
func unflow(text string, delsp bool) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	var out []string
	var cur strings.Builder
	curDepth, open := 0, false
	flush := func() {
		if open {
			out = append(out, cur.String())
			cur.Reset()
			open = false
		}
	}
	for _, l := range lines {
		depth := 0
		for depth < len(l) && l[depth] == '>' {
			depth++
		}
		body := l[depth:]
		body = strings.TrimPrefix(body, " ") // space-stuffing, or the space after the quote marks
		if open && depth != curDepth {
			flush()
		}
		if !open {
			cur.WriteString(strings.Repeat(">", depth))
			if depth > 0 {
				cur.WriteByte(' ')
			}
			curDepth, open = depth, true
		}
		flowed := strings.HasSuffix(body, " ") && body != "-- "
		if flowed && delsp {
			body = body[:len(body)-1]
		}
		cur.WriteString(body)
		if !flowed {
			flush()
		}
	}
	flush()
	return strings.Join(out, "\n")
}
