package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"calldesk/internal/desk"
)

// decode reads the request body into dst, a pointer to a request struct. The body must be one
// JSON object of at most MaxBody bytes with no fields dst does not have and nothing after it;
// anything else is a 400 (413 when too large) whose message names the field or the position. Its
// text must be UTF-8 and no string in it may hold a NUL character (desk.TextProblem): a 400 too.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "application/json" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &httpError{status: http.StatusUnsupportedMediaType,
				msg: fmt.Sprintf("the body is sent as %q; send JSON with the header Content-Type: application/json", ct)}
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody()))
	if err != nil {
		return s.decodeError(err, dst)
	}
	// encoding/json would read bytes that are not UTF-8 as U+FFFD without a word: refuse them.
	if !utf8.Valid(data) {
		return badRequest("", fmt.Sprintf("the body is not valid UTF-8 (the first bad byte is byte %d); send JSON encoded as UTF-8", invalidAt(data)))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return s.decodeError(err, dst)
	}
	// Exactly one value: anything but white space after it is refused.
	var extra json.RawMessage
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
		// No text may hold a NUL (\u0000): PostgreSQL refuses it, SQLite would keep it.
		if name, why := desk.BadText(dst); why != "" {
			return badRequest(name, name+" "+why)
		}
		return nil
	case err == nil:
		return badRequest("", fmt.Sprintf("the body holds more than one JSON value (the second starts near byte %d); send exactly one object", dec.InputOffset()-int64(len(extra))))
	default:
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return s.decodeError(err, dst)
		}
		return badRequest("", fmt.Sprintf("the body has data after its JSON object (near byte %d); send exactly one object and nothing after it", dec.InputOffset()))
	}
}

// invalidAt is the offset of the first byte of data that is not UTF-8.
func invalidAt(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
}

// decodeError explains a json.Decoder error in words a person can act on.
func (s *Server) decodeError(err error, dst any) error {
	var (
		syntax  *json.SyntaxError
		typ     *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
		unknown = "json: unknown field "
	)
	switch {
	case errors.As(err, &tooBig):
		return &httpError{status: http.StatusRequestEntityTooLarge,
			msg: fmt.Sprintf("the body is larger than %s; send less text, and put long logs in attachments rather than the description", sizeWords(tooBig.Limit))}
	case errors.Is(err, io.EOF):
		return badRequest("", "the body is empty; send a JSON object, for example "+example(dst))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("", "the body ends in the middle of a JSON value; check for a missing closing brace, bracket or quote")
	case errors.As(err, &syntax):
		return badRequest("", fmt.Sprintf("the body is not valid JSON at byte %d: %s; check the quotes, commas and braces near there",
			syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: ")))
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest("", fmt.Sprintf("the body must be a JSON object, not %s; for example %s", article(typ.Value), example(dst)))
		}
		return badRequest(typ.Field, fmt.Sprintf("%s must be %s, not %s", typ.Field, jsonKind(typ.Type), article(typ.Value)))
	case strings.HasPrefix(err.Error(), unknown):
		// encoding/json has no error type for this one; its message is documented and stable.
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), unknown))
		return badRequest(name, fmt.Sprintf("%q is not a field of this request; the fields are %s", name, strings.Join(fieldNames(reflect.TypeOf(dst)), ", ")))
	}
	return badRequest("", "the body could not be read as JSON: "+strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names the JSON a Go type expects.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// article puts "a"/"an" before a JSON kind as encoding/json names it ("string", "number 1.5").
func article(v string) string {
	switch {
	case v == "":
		return "that"
	case strings.HasPrefix(v, "number "):
		return "the " + v
	case strings.IndexAny(v[:1], "aeiou") == 0:
		return "an " + v
	}
	return "a " + v
}

// fieldNames lists the JSON names of a request struct's fields, embedded ones included.
func fieldNames(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			names = append(names, fieldNames(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// example shows the shape of a request with its first field.
func example(dst any) string {
	names := fieldNames(reflect.TypeOf(dst))
	if len(names) == 0 {
		return "{}"
	}
	return `{"` + names[0] + `": ...}`
}

func sizeWords(n int64) string {
	if n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	if n%(1<<10) == 0 {
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// writeJSON writes v as the JSON response with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
	return nil
}
