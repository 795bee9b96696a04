package wiretest

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"
)

func TestDumpParseTree(t *testing.T) {
	tree := map[string]any{
		"s":      "<&>",
		"i":      int64(-3),
		"f":      1.0,
		"big":    1e21,
		"nan":    math.NaN(),
		"inf":    math.Inf(-1),
		"t":      time.Date(2024, 3, 1, 12, 30, 15, 250e6, time.UTC),
		"b":      []byte{0, 1},
		"n":      json.Number("1.50"),
		"list":   []any{nil, true, map[string]any{}},
		"stream": bytes.NewReader([]byte("hi")),
	}
	text := Dump(tree)
	back, err := ParseTree([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if again := Dump(back); again != text {
		t.Errorf("Dump(ParseTree(Dump(tree))) =\n%s\nwant\n%s", again, text)
	}
	if Equal(int64(1), 1.0) {
		t.Error("Equal(int64(1), 1.0) = true; integers and floats must differ")
	}
	if !Equal(math.NaN(), math.NaN()) {
		t.Error("Equal(NaN, NaN) = false")
	}
}
