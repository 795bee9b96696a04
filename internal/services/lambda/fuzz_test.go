package lambda

import (
	"context"
	"strings"
	"testing"
)

// FuzzParseName checks that any FunctionName parameter is either rejected
// with AWS's error or parsed into a name that round-trips into an ARN.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{"fn", "fn:$LATEST", "fn:prod", "123456789012:function:fn", "arn:aws:lambda:eu-west-1:123456789012:function:fn:3", "", ":", "arn:aws:lambda:::function:", strings.Repeat("a", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, q, err := parseName(context.Background(), s)
		if err != nil {
			if err.Code != "ValidationException" {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if k.name == "" || len(k.name) > 64 || strings.Contains(q, ":") {
			t.Fatalf("%q parsed to %+v %q", s, k, q)
		}
		k2, q2, err := parseName(context.Background(), functionARN(k)+qualSuffix(q))
		if err != nil || k2 != k || q2 != q {
			t.Fatalf("%q: round trip %+v %q %v", s, k2, q2, err)
		}
	})
}

func qualSuffix(q string) string {
	if q == "" {
		return ""
	}
	return ":" + q
}
