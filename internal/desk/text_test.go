package desk

import (
	"encoding/json"
	"testing"
)

func TestBadText(t *testing.T) {
	type inner struct {
		Value string `json:"value"`
	}
	type req struct {
		Summary string            `json:"summary"`
		Emails  []inner           `json:"emails"`
		Extra   map[string]string `json:"extra"`
		Data    []byte            `json:"data"`
		Note    *string           `json:"note"`
	}
	bad := "a\x00b"
	for _, tc := range []struct {
		v            any
		path, prefix string
	}{
		{req{Summary: "fine", Data: []byte{0, 0xff}}, "", ""},
		{req{Summary: bad}, "summary", "holds a NUL"},
		{&req{Emails: []inner{{"x"}, {"y\xff"}}}, "emails[1].value", "is not valid UTF-8"},
		{req{Extra: map[string]string{"k": bad}}, "extra.k", "holds a NUL"},
		{req{Note: &bad}, "note", "holds a NUL"},
		{map[string]any{"a": []any{"ok", "\xc3"}}, "a[1]", "is not valid UTF-8"},
		{struct {
			V json.RawMessage `json:"value"`
		}{json.RawMessage(`{"title": "x\u0000"}`)}, "value.title", "holds a NUL"},
	} {
		path, why := BadText(tc.v)
		if path != tc.path || (tc.prefix == "") != (why == "") || len(why) < len(tc.prefix) || why[:len(tc.prefix)] != tc.prefix {
			t.Errorf("BadText(%+v) = %q, %q; want %q, %q...", tc.v, path, why, tc.path, tc.prefix)
		}
	}
}
