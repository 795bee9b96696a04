package restjson

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/virga-aws/virga/internal/model"
)

func TestSplitHeaderList(t *testing.T) {
	tests := []struct {
		in        string
		httpDates bool
		want      []string
		wantErr   bool
	}{
		{in: "a, b,c", want: []string{"a", "b", "c"}},
		{in: `"a,b", c`, want: []string{"a,b", "c"}},
		{in: `"say \"hi\"", "back\\slash"`, want: []string{`say "hi"`, `back\slash`}},
		{in: `"", x`, want: []string{"", "x"}},
		{in: " , ,", want: nil},
		{in: `"open`, wantErr: true},
		{in: `"a" b`, wantErr: true},
		{in: "Mon, 02 Jan 2006 15:04:05 GMT, Tue, 03 Jan 2006 15:04:05 GMT", httpDates: true,
			want: []string{"Mon, 02 Jan 2006 15:04:05 GMT", "Tue, 03 Jan 2006 15:04:05 GMT"}},
	}
	for _, tt := range tests {
		got, err := splitHeaderList(tt.in, tt.httpDates)
		if (err != nil) != tt.wantErr {
			t.Errorf("splitHeaderList(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitHeaderList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHeaderValues(t *testing.T) {
	str := &model.Ref{Shape: &model.Shape{Type: "string"}}
	ts := &model.Ref{Shape: &model.Shape{Type: "timestamp"}}
	isoTS := &model.Ref{Shape: &model.Shape{Type: "timestamp"}, TimestampFormat: "iso8601"}
	epochTS := &model.Ref{Shape: &model.Shape{Type: "timestamp", TimestampFormat: "unixTimestamp"}}
	strList := &model.Ref{Shape: &model.Shape{Type: "list", Member: str}}
	tsList := &model.Ref{Shape: &model.Shape{Type: "list", Member: ts}}
	jsonValue := &model.Ref{Shape: &model.Shape{Type: "string"}, JSONValue: true}
	double := &model.Ref{Shape: &model.Shape{Type: "double"}}
	when := time.Date(2024, 3, 1, 12, 30, 15, 250e6, time.UTC)
	tests := []struct {
		name  string
		ref   *model.Ref
		value any
		wire  string
	}{
		{"string", str, "plain", "plain"},
		{"http date", ts, when.Truncate(time.Second), "Fri, 01 Mar 2024 12:30:15 GMT"},
		{"iso 8601", isoTS, when, "2024-03-01T12:30:15.250Z"},
		{"epoch", epochTS, when, "1709296215.25"},
		{"string list", strList, []any{"a", "b,c", ` d`, `e"f`}, `a, "b,c", " d", "e\"f"`},
		{"date list", tsList, []any{when.Truncate(time.Second), when.Add(time.Hour).Truncate(time.Second)},
			"Fri, 01 Mar 2024 12:30:15 GMT, Fri, 01 Mar 2024 13:30:15 GMT"},
		{"json value", jsonValue, `{"a":1}`, "eyJhIjoxfQ=="},
		{"infinity", double, math.Inf(1), "Infinity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire, ok := formatHeader(tt.value, tt.ref)
			if !ok || wire != tt.wire {
				t.Fatalf("formatHeader = %q, %v; want %q", wire, ok, tt.wire)
			}
			back, err := parseHeader([]string{wire}, tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tt.value) {
				t.Errorf("parseHeader(%q) = %#v, want %#v", wire, back, tt.value)
			}
		})
	}
}

func TestParseText(t *testing.T) {
	tests := []struct {
		typ, in string
		ok      bool
	}{
		{"boolean", "true", true},
		{"boolean", "TRUE", false},
		{"integer", "2147483647", true},
		{"integer", "2147483648", false},
		{"short", "-32769", false},
		{"byte", "127", true},
		{"long", "9223372036854775808", false},
		{"double", "NaN", true},
		{"double", "1e400", false},
		{"timestamp", "2024-03-01T12:30:15Z", true},
		{"timestamp", "Fri, 01 Mar 2024 12:30:15 GMT", true},
		{"timestamp", "99999-01-01T00:00:00Z", false},
		{"timestamp", "1e300", false},
		{"blob", "aGk=", true},
		{"blob", "not base64", false},
	}
	for _, tt := range tests {
		_, err := parseText(tt.in, &model.Ref{Shape: &model.Shape{Type: tt.typ}}, "iso8601")
		if (err == nil) != tt.ok {
			t.Errorf("parseText(%q as %s) error = %v, want ok %v", tt.in, tt.typ, err, tt.ok)
		}
	}
}
