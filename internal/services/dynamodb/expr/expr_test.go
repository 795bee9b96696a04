package expr

import (
	"strings"
	"testing"

	"github.com/virga-aws/virga/internal/services/dynamodb/api"
)

func sv(s string) api.AttributeValue { return api.AttributeValue{S: &s} }
func nv(s string) api.AttributeValue { return api.AttributeValue{N: &s} }

func env() *Env {
	return &Env{Names: map[string]string{"#s": "status"}, Values: map[string]api.AttributeValue{":a": sv("x"), ":n": nv("5"), ":m": nv("10")}}
}

func TestPrecedence(t *testing.T) {
	item := Item{"a": sv("x"), "b": nv("7")}
	tests := []struct {
		src  string
		want bool
	}{
		{"a = :a OR b = :n AND b = :m", true}, // AND binds tighter than OR
		{"(a = :a OR b = :n) AND b = :m", false},
		{"NOT a = :a OR b > :n", true},           // NOT binds tighter than OR
		{"b BETWEEN :n AND :m AND a = :a", true}, // BETWEEN's AND is its own
		{"b IN (:n, :m)", false},
		{"size(a) = :n", false},
		{"attribute_exists(#s) OR begins_with(a, :a)", true},
		{"c <> :a", true},
	}
	for _, tt := range tests {
		n, err := ParseCondition(tt.src, env())
		if err != nil {
			t.Fatalf("%s: %v", tt.src, err)
		}
		if got := Eval(n, item); got != tt.want {
			t.Errorf("Eval(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"a = ", `Syntax error; token: "<EOF>", near: "= "`},
		{"a == :a", `Syntax error; token: "=", near: "== :a"`},
		{"INVALID SYNTAX HERE", `Syntax error; token: "SYNTAX", near: "INVALID SYNTAX HERE"`},
	}
	for _, tt := range tests {
		_, err := ParseCondition(tt.src, env())
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseCondition(%q) = %v, want %s", tt.src, err, tt.want)
		}
	}
	_, err := ParseUpdate("INVALID SYNTAX HERE", env())
	if err == nil || err.Error() != `Syntax error; token: "INVALID", near: "INVALID SYNTAX"` {
		t.Errorf("update: %v", err)
	}
}

func TestNumbers(t *testing.T) {
	for in, want := range map[string]string{"01.50": "1.5", "1e2": "100", "-0.000": "0", "1E-3": "0.001", "-12.30e1": "-123"} {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]error{"1e126": ErrOverflow, "1e-131": ErrUnderflow, "x": ErrNotNumber, "1234567890123456789012345678901234567890": ErrPrecision} {
		if _, err := Normalize(in); err != want {
			t.Errorf("Normalize(%q) error %v, want %v", in, err, want)
		}
	}
	a, _ := ParseNumber("0.1")
	b, _ := ParseNumber("0.2")
	sum, _ := a.Add(b, false)
	if sum.String() != "0.3" {
		t.Errorf("0.1+0.2 = %s", sum)
	}
}

func TestUpdateApply(t *testing.T) {
	e := env()
	e.Values[":l"] = api.AttributeValue{L: []api.AttributeValue{nv("1")}}
	u, err := ParseUpdate("SET c = b + :n, l = list_append(:l, :l) REMOVE m.x, lst[0], lst[2] ADD cnt :n", e)
	if err != nil {
		t.Fatal(err)
	}
	old := Item{"b": nv("1"), "m": {M: map[string]api.AttributeValue{"x": sv("1"), "y": sv("2")}},
		"lst": {L: []api.AttributeValue{nv("0"), nv("1"), nv("2"), nv("3")}}}
	out, err := u.Apply(old)
	if err != nil {
		t.Fatal(err)
	}
	if *out["c"].N != "6" || len(out["l"].L) != 2 || len(out["m"].M) != 1 || len(out["lst"].L) != 2 || *out["lst"].L[0].N != "1" || *out["cnt"].N != "5" {
		t.Fatalf("apply: %+v", out)
	}
	if len(old["m"].M) != 2 || len(old["lst"].L) != 4 {
		t.Fatal("Apply modified the old item")
	}
}

// FuzzParseExpression checks that no input makes the parsers or the
// evaluator panic.
func FuzzParseExpression(f *testing.F) {
	for _, s := range []string{
		"a = :a OR b = :n AND b = :m", "NOT (attribute_exists(#s) AND size(a) > :n)", "b BETWEEN :n AND :m",
		"SET a = b + :n, l = list_append(if_not_exists(l, :a), :a) REMOVE x[1] ADD c :n DELETE s :a",
		"a.b[1].c, #s", "ADD hits : incr", "((((a = :a))))", "a IN (:a, :n, :m)", "contains(a, :a)", "",
	} {
		f.Add(s)
	}
	item := Item{"a": sv("x"), "b": nv("1"), "l": {L: []api.AttributeValue{nv("1")}}, "m": {M: map[string]api.AttributeValue{"b": sv("y")}}}
	f.Fuzz(func(t *testing.T, src string) {
		if n, err := ParseCondition(src, env()); err == nil {
			Eval(n, item)
		}
		if u, err := ParseUpdate(src, env()); err == nil {
			u.Apply(item)
		}
		if p, err := ParseProjection(src, env()); err == nil {
			Project(item, p)
		}
	})
}

// FuzzNumber checks that number parsing never panics and that normalized
// numbers parse back to themselves.
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"1", "-0.5e10", "1e126", "00012.3400", "9.9999999999999999999999999999999999999E+125", "1e-130",
		"0", "-0", "+0", "007", "-42", "+42", "4200", "-", "+", "", "12345678901234567890123456789012345678", "123456789012345678901234567890123456789", "1" + strings.Repeat("0", 126)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, ok := parseInteger(s); ok {
			if general, err := parseDecimalGeneral(s); err != nil || general != d {
				t.Fatalf("parseInteger(%q) = %+v, general path %+v, %v", s, d, general, err)
			}
		}
		n, err := Normalize(s)
		if d, perr := ParseNumber(s); perr == nil && (err != nil || n != d.String()) {
			t.Fatalf("Normalize(%q) = %q, %v; want %q", s, n, err, d.String())
		}
		if err != nil {
			return
		}
		again, err := Normalize(n)
		if err != nil || again != n {
			t.Fatalf("Normalize(%q) = %q, then %q, %v", s, n, again, err)
		}
	})
}
