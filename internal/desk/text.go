package desk

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// TextProblem says what makes s unfit to be stored as text, or "" when nothing does: a NUL
// character (PostgreSQL refuses it in text, SQLite would keep it silently, and no person types
// one) or bytes that are not UTF-8. Every way in checks its input with it, so both engines
// answer alike: a 4xx naming the field, never a 500.
func TextProblem(s string) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "holds a NUL character (byte 0), which text may not hold; remove it"
	case !utf8.ValidString(s):
		return "is not valid UTF-8; send text encoded as UTF-8"
	}
	return ""
}

// BadText finds the first string in v (a request struct, map or slice, through pointers) that
// TextProblem refuses: its path in v by JSON names ("summary", "emails[0].value") and the
// problem, or "", "" when every string is fit.
func BadText(v any) (path, problem string) {
	return badText(reflect.ValueOf(v), "")
}

func badText(v reflect.Value, path string) (string, string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", ""
		}
		return badText(v.Elem(), path)
	case reflect.String:
		if p := TextProblem(v.String()); p != "" {
			return path, p
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == "-" {
				continue
			} else if tag != "" {
				name = tag
			}
			sub := join(path, name)
			if f.Anonymous {
				sub = path
			}
			if p, why := badText(v.Field(i), sub); why != "" {
				return p, why
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type() == reflect.TypeOf(json.RawMessage(nil)) {
			var x any // JSON kept to be read later (a SCIM PATCH's value): its strings, now
			if json.Unmarshal(v.Bytes(), &x) != nil {
				return "", ""
			}
			return badText(reflect.ValueOf(x), path)
		}
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return "", "" // bytes, not text
		}
		for i := range v.Len() {
			if p, why := badText(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); why != "" {
				return p, why
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			k := fmt.Sprint(it.Key().Interface())
			if p := TextProblem(k); p != "" {
				return join(path, fmt.Sprintf("%q", k)), "has a name that " + p
			}
			if p, why := badText(it.Value(), join(path, k)); why != "" {
				return p, why
			}
		}
	}
	return "", ""
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
