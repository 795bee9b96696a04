package cbor_test

import (
	"encoding/hex"
	"math"
	"testing"
	"time"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol/cbor"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

// testShape is a structure with one member of each scalar kind.
func testShape() *model.Ref {
	member := func(typ string) model.Member {
		return model.Member{Name: typ, Ref: &model.Ref{Shape: &model.Shape{Name: typ, Type: typ}}}
	}
	return &model.Ref{Shape: &model.Shape{Name: "T", Type: "structure", Members: model.Members{
		member("float"), member("double"), member("timestamp"), member("integer"), member("long"),
		member("byte"), member("short"), member("blob"), member("boolean"), member("string"),
	}}}
}

func TestEncodeScalars(t *testing.T) {
	tests := []struct {
		name string
		tree map[string]any
		hex  string
	}{
		{"float is single precision", map[string]any{"float": 1.5}, "a165666c6f6174fa3fc00000"},
		{"double is double precision", map[string]any{"double": 1.5}, "a166646f75626c65fb3ff8000000000000"},
		{"whole-second timestamp is an integer", map[string]any{"timestamp": time.Unix(1709296215, 0)}, "a16974696d657374616d70c11a65e1ca57"},
		{"millisecond timestamp is a double", map[string]any{"timestamp": time.Unix(1709296215, 250999999)}, "a16974696d657374616d70c1fb41d9787295d00000"},
		{"timestamp before 1970", map[string]any{"timestamp": time.Unix(-2, 500e6)}, "a16974696d657374616d70c1fbbff8000000000000"},
		{"negative long", map[string]any{"long": int64(math.MinInt64)}, "a1646c6f6e673b7fffffffffffffff"},
		{"NaN keeps its width", map[string]any{"double": math.NaN()}, "a166646f75626c65fb7ff8000000000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := cbor.Encode(tt.tree, testShape())
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(b); got != tt.hex {
				t.Errorf("Encode = %s, want %s", got, tt.hex)
			}
		})
	}
}

func TestDecodeScalars(t *testing.T) {
	tests := []struct {
		name, hex string
		want      string // Dump notation, or "error"
	}{
		{"float rounds to single precision", "a165666c6f6174fb3ff199999999999a", `{"float": 1.100000023841858}`},
		{"float out of single range", "a165666c6f6174fb47f0000000000000", "error"},
		{"integer accepts an integral double", "a167696e7465676572fb4059000000000000", `{"integer": 100}`},
		{"integer rejects a fraction", "a167696e7465676572f93e00", "error"},
		{"byte range", "a164627974651880", "error"},
		{"byte in range", "a1646279746518 7f", `{"byte": 127}`},
		{"short below range", "a16573686f7274398000", "error"},
		{"long beyond int64", "a1646c6f6e671b8000000000000000", "error"},
		{"negative bignum long", "a1646c6f6e67c34101", `{"long": -2}`},
		{"bare epoch seconds as timestamp", "a16974696d657374616d701a65e1ca57", `{"timestamp": {"$time": "2024-03-01T12:30:15Z"}}`},
		{"RFC 3339 tag 0 timestamp", "a16974696d657374616d70c074323032342d30332d30315431323a33303a31355a", `{"timestamp": {"$time": "2024-03-01T12:30:15Z"}}`},
		{"timestamp beyond year 9999", "a16974696d657374616d70c11b0000100000000000", "error"},
		{"NaN timestamp", "a16974696d657374616d70c1f97e00", "error"},
		{"tag on a string", "a166737472696e67d82061 78", "error"},
		{"text where blob expected", "a164626c6f626161", "error"},
		{"undefined member is absent", "a167626f6f6c65616ef7", `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := hex.DecodeString(removeSpaces(tt.hex))
			if err != nil {
				t.Fatal(err)
			}
			tree, err := cbor.Decode(b, testShape().Shape)
			if tt.want == "error" {
				if err == nil {
					t.Fatalf("Decode = %s, want an error", wiretest.Dump(tree))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want, err := wiretest.ParseTree([]byte(tt.want))
			if err != nil {
				t.Fatal(err)
			}
			if !wiretest.Equal(tree, want) {
				t.Errorf("Decode = %s, want %s", wiretest.Dump(tree), tt.want)
			}
		})
	}
}

func removeSpaces(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			out = append(out, s[i])
		}
	}
	return string(out)
}
