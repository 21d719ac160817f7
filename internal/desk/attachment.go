package desk

import (
	"bytes"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Attachment is a file that came with a diary entry. Data is loaded only by Store.Attachment;
// lists carry the metadata alone.
type Attachment struct {
	ID      int64
	CallID  int64
	EntryID int64 // the diary entry it came with; 0 when none
	// FromEmail says the entry it came with is an email (whose files only some may read, S13).
	FromEmail bool
	// Filename is the name the uploader gave, reduced to a base name without control characters.
	Filename string
	// ContentType is the type calldesk decided from the content (never the uploader's claim).
	ContentType string
	Size        int64
	SHA256      string // hex
	UploadedBy  int64  // person; 0 when not known
	CreatedAt   time.Time
	Data        []byte
}

// Upload is a file as received, before it is checked and stored.
type Upload struct {
	Filename string
	Data     []byte
}

// DefaultAttachmentMax is the largest file accepted when AttachmentRules.MaxSize is 0: 25 MiB.
const DefaultAttachmentMax int64 = 25 << 20

// MaxAttachmentsPerEntry caps how many files one diary entry may carry.
const MaxAttachmentsPerEntry = 10

// fileType is one kind of file calldesk may accept: the extensions it goes by, the content type
// it is served with, and whether its content is what the extension says.
type fileType struct {
	exts   []string
	mime   string
	sniffs func(sniffed string, data []byte) bool
}

func sniffedAs(types ...string) func(string, []byte) bool {
	return func(s string, _ []byte) bool {
		base, _, _ := strings.Cut(s, ";")
		return slices.Contains(types, base)
	}
}

// oleMagic starts an OLE compound file (Outlook .msg, legacy Office), which http.DetectContentType
// does not know.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// tnefMagic starts Outlook's TNEF (winmail.dat): the signature 0x223E9F78, little-endian.
var tnefMagic = []byte{0x78, 0x9F, 0x3E, 0x22}

// isCalendar says whether data is an iCalendar file (RFC 5545): text that starts, after an
// optional byte-order mark and blank lines, with BEGIN:VCALENDAR.
func isCalendar(sniffed string, data []byte) bool {
	if !strings.HasPrefix(sniffed, "text/plain") {
		return false
	}
	head := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\ufeff")), " \t\r\n")
	const begin = "BEGIN:VCALENDAR"
	return len(head) >= len(begin) && strings.EqualFold(string(head[:len(begin)]), begin)
}

// fileTypes are the kinds of file calldesk knows how to accept. Office and OpenDocument files are
// zip archives to a sniffer, so for them the extension decides the type, once the content is a zip.
// Every file is served as a download (web.WriteAttachment), never shown in the browser, so a
// calendar invitation or a winmail.dat is only ever saved and opened by a mail program.
var fileTypes = []fileType{
	{[]string{"pdf"}, "application/pdf", sniffedAs("application/pdf")},
	{[]string{"png"}, "image/png", sniffedAs("image/png")},
	{[]string{"jpg", "jpeg"}, "image/jpeg", sniffedAs("image/jpeg")},
	{[]string{"gif"}, "image/gif", sniffedAs("image/gif")},
	{[]string{"webp"}, "image/webp", sniffedAs("image/webp")},
	{[]string{"txt", "log"}, "text/plain; charset=utf-8", sniffedAs("text/plain")},
	{[]string{"csv"}, "text/csv; charset=utf-8", sniffedAs("text/plain")},
	{[]string{"eml"}, "message/rfc822", sniffedAs("text/plain")},
	{[]string{"msg"}, "application/vnd.ms-outlook", func(_ string, d []byte) bool { return bytes.HasPrefix(d, oleMagic) }},
	{[]string{"docx"}, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", sniffedAs("application/zip")},
	{[]string{"xlsx"}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", sniffedAs("application/zip")},
	{[]string{"pptx"}, "application/vnd.openxmlformats-officedocument.presentationml.presentation", sniffedAs("application/zip")},
	{[]string{"odt"}, "application/vnd.oasis.opendocument.text", sniffedAs("application/zip")},
	{[]string{"ods"}, "application/vnd.oasis.opendocument.spreadsheet", sniffedAs("application/zip")},
	{[]string{"odp"}, "application/vnd.oasis.opendocument.presentation", sniffedAs("application/zip")},
	{[]string{"zip"}, "application/zip", sniffedAs("application/zip")},
	// Calendar invitations and Outlook's winmail.dat come with email (the mail package keeps
	// them as they came); their content must be what the name says.
	{[]string{"ics"}, "text/calendar; charset=utf-8", isCalendar},
	{[]string{"dat"}, "application/vnd.ms-tnef", func(_ string, d []byte) bool { return bytes.HasPrefix(d, tnefMagic) }},
}

// DefaultAttachmentTypes are the extensions accepted when AttachmentRules.Types is empty: common
// documents and images.
var DefaultAttachmentTypes = []string{"pdf", "png", "jpg", "jpeg", "gif", "webp", "txt", "log", "csv",
	"docx", "xlsx", "pptx", "odt", "ods", "odp", "zip", "eml", "msg", "ics", "dat"}

// neverTypes are extensions no configuration may allow: a browser or the desktop runs them.
var neverTypes = []string{"html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "js", "mjs", "exe", "dll", "com", "scr",
	"msi", "bat", "cmd", "ps1", "vbs", "sh", "jar", "hta", "lnk", "app", "apk"}

// ParseAttachmentTypes reads a comma-separated list of extensions ("pdf, png,.jpg"), as the
// --attachment-types setting gives it, refusing any calldesk does not know or will never accept.
func ParseAttachmentTypes(s string) ([]string, error) {
	var out []string
	for _, e := range strings.Split(s, ",") {
		e = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(e), "."))
		if e == "" {
			continue
		}
		if slices.Contains(neverTypes, e) {
			return nil, fmt.Errorf("%s can never be allowed: a browser or the desktop would run it", e)
		}
		if typeOf(e) == nil {
			return nil, fmt.Errorf("%s is not a type calldesk knows; the known ones are %s", e, strings.Join(DefaultAttachmentTypes, ", "))
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("lists no file types; give extensions such as pdf,png,docx")
	}
	return out, nil
}

func typeOf(ext string) *fileType {
	for i := range fileTypes {
		if slices.Contains(fileTypes[i].exts, ext) {
			return &fileTypes[i]
		}
	}
	return nil
}

// AttachmentRules say which files may be attached: how large, and of which types. The zero
// value is the defaults.
type AttachmentRules struct {
	MaxSize int64    // bytes per file; DefaultAttachmentMax when 0
	Types   []string // extensions, as ParseAttachmentTypes gives them; DefaultAttachmentTypes when empty
}

// Max is the largest file accepted, in bytes.
func (r AttachmentRules) Max() int64 {
	if r.MaxSize <= 0 {
		return DefaultAttachmentMax
	}
	return r.MaxSize
}

// Allowed lists the accepted extensions.
func (r AttachmentRules) Allowed() []string {
	if len(r.Types) == 0 {
		return DefaultAttachmentTypes
	}
	return r.Types
}

// Hint describes the rules in a line, for beside a file field.
func (r AttachmentRules) Hint() string {
	return "Up to " + SizeWords(r.Max()) + " each, at most " + strconv.Itoa(MaxAttachmentsPerEntry) + " files: " +
		strings.Join(r.Allowed(), ", ") + "."
}

// TooLarge is the message for a file over the limit.
func (r AttachmentRules) TooLarge(name string) string {
	return fmt.Sprintf("%s is larger than %s, the largest file calldesk accepts", name, SizeWords(r.Max()))
}

// Check decides an upload's content type from its content and its name's extension, never from
// what the uploader's browser claimed. It returns the type to store, or why the file is refused,
// as a sentence naming the file.
func (r AttachmentRules) Check(u Upload) (string, error) {
	name := CleanFilename(u.Filename)
	if int64(len(u.Data)) > r.Max() {
		return "", fmt.Errorf("%s", r.TooLarge(name))
	}
	if len(u.Data) == 0 {
		return "", fmt.Errorf("%s is empty", name)
	}
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	sniffed := http.DetectContentType(u.Data)
	head := u.Data[:min(len(u.Data), 1024)]
	switch {
	case slices.Contains(neverTypes, ext), strings.HasPrefix(sniffed, "text/html"), strings.HasPrefix(sniffed, "text/xml"),
		looksLikeSVG(head), looksExecutable(head):
		return "", fmt.Errorf("%s is refused: web pages, SVG images, scripts and programs are never accepted, as opening one could run it", name)
	}
	if ext == "" || !slices.Contains(r.Allowed(), ext) {
		return "", fmt.Errorf("%s is not a type calldesk accepts; the accepted types are %s", name, strings.Join(r.Allowed(), ", "))
	}
	ft := typeOf(ext)
	if ft == nil || !ft.sniffs(sniffed, u.Data) {
		return "", fmt.Errorf("%s does not hold what its name says (it ends .%s but its content is not), so it is refused", name, ext)
	}
	return ft.mime, nil
}

func looksLikeSVG(head []byte) bool {
	h := bytes.ToLower(bytes.TrimLeft(head, " \t\r\n\ufeff"))
	return bytes.HasPrefix(h, []byte("<svg")) || (bytes.HasPrefix(h, []byte("<")) && bytes.Contains(h, []byte("<svg")))
}

// looksExecutable spots Windows (MZ), Linux (ELF), macOS (Mach-O) programs and scripts (#!).
func looksExecutable(head []byte) bool {
	for _, m := range [][]byte{[]byte("MZ"), []byte("\x7fELF"), []byte("#!"), {0xCF, 0xFA, 0xED, 0xFE}, {0xCE, 0xFA, 0xED, 0xFE}, {0xCA, 0xFE, 0xBA, 0xBE}} {
		if bytes.HasPrefix(head, m) {
			return true
		}
	}
	return false
}

// DefaultFilename is the name CleanFilename gives a file whose name has nothing left to show.
const DefaultFilename = "attachment"

// CleanFilename reduces a file's name, however it came in (console or portal upload, an email's
// MIME part, a stored name read back for a download or a subject access bundle), to what is safe
// to keep and show: the last path element (either slash); without control characters, invisible
// format characters (Unicode category Cf: the bidirectional overrides and isolates such as U+202E
// that make "evil\u202Egpj.exe" show as "evilexe.jpg", the marks U+200E, U+200F and U+061C,
// zero-width spaces and joiners, U+FEFF, the soft hyphen), line and paragraph separators, the
// other characters Unicode says to render invisibly (Hangul fillers and the like), and invalid
// UTF-8; without leading dots or spaces (a dotfile is hidden once saved) or trailing spaces; at
// most 200 bytes (a long name is cut before its extension); DefaultFilename when nothing is left.
// The type check (AttachmentRules.Check) reads the extension of the cleaned name: what is shown
// is what is checked.
func CleanFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimRight(strings.TrimLeft(name, ". "+spaces), spaces)
	if len(name) > 200 {
		// Shorten the stem and keep the extension, which says the file's type.
		ext := path.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		stem := strings.TrimSuffix(name, ext)
		for len(stem)+len(ext) > 200 {
			_, n := utf8.DecodeLastRuneInString(stem)
			stem = stem[:len(stem)-n]
		}
		name = stem + ext
	}
	if name == "" || name == "." || name == ".." {
		return DefaultFilename
	}
	return name
}

// spaces are the white space characters trimmed from a file name's ends.
const spaces = " \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"

// invisible reports whether r is a character a file name must not carry: one that shows as
// nothing or changes how the rest is shown (control, format, separator, default-ignorable), or
// invalid UTF-8.
func invisible(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r) ||
		unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Other_Default_Ignorable_Code_Point)
}

// SizeWords writes a size for people: 512 bytes, 12 KiB, 3.4 MiB.
func SizeWords(n int64) string {
	switch {
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 1<<20:
		return trimZero(float64(n)/(1<<10)) + " KiB"
	case n < 1<<30:
		return trimZero(float64(n)/(1<<20)) + " MiB"
	}
	return trimZero(float64(n)/(1<<30)) + " GiB"
}

func trimZero(f float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(f, 'f', 1, 64), ".0")
}
