package partiql

import (
	"errors"
	"testing"

	"github.com/virga-aws/virga/internal/services/dynamodb/api"
)

func TestParse(t *testing.T) {
	one := "1"
	tests := []struct {
		src    string
		params []api.AttributeValue
		kind   Kind
		table  string
		index  string
	}{
		{`SELECT * FROM "t" WHERE pk = 'a'`, nil, Select, "t", ""},
		{`select a, b.c, d[0] from "t"."ix" where "pk" = ? and sk between 1 and 5`, []api.AttributeValue{{N: &one}}, Select, "t", "ix"},
		{`SELECT * FROM t WHERE a IN [1, 2] OR NOT (b <> 'x') AND begins_with(c, 'p') AND d IS MISSING AND e IS NOT MISSING`, nil, Select, "t", ""},
		{`INSERT INTO "t" VALUE {'pk': 'a', 'n': -1.5e3, 'l': [TRUE, NULL], 's': <<'x', 'y'>>, 'm': {'k': ?}}`, []api.AttributeValue{{N: &one}}, Insert, "t", ""},
		{`UPDATE "t" SET a = 1, b = b + ? SET c = list_append(c, [1]) REMOVE d, e[2] WHERE pk = 'a'`, []api.AttributeValue{{N: &one}}, Update, "t", ""},
		{`DELETE FROM "t" WHERE pk = 'a' AND attribute_exists(x);`, nil, Delete, "t", ""},
	}
	for _, tt := range tests {
		st, err := Parse(tt.src, tt.params)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.src, err)
		}
		if st.Kind != tt.kind || st.Table != tt.table || st.Index != tt.index {
			t.Fatalf("Parse(%q) = %+v", tt.src, st)
		}
	}
}

func TestParseErrors(t *testing.T) {
	const nwf = "Statement wasn't well formed, can't be processed: "
	tests := []struct{ src, want string }{
		{`SELECT * FROM "t" WHERE pk = 1 foo`, nwf + "Unexpected token after expression"},
		{`SELECT * FROM "t" WHERE`, nwf + "Unexpected term"},
		{`SELECT * FROM`, nwf + "Unexpected term"},
		{`SELECT * FROM "t" WHERE pk = 'p1' AND`, nwf + "Missing right-hand side expression of infix operator"},
		{`SELECT * FROM "t" WHERE pk = 'p1' OR`, nwf + "Missing right-hand side expression of infix operator"},
		{`SELECT * FROM "t" WHERE ORDER BY pk`, nwf + "Unexpected keyword"},
		{`DELETE FROM`, nwf + "Expected identifier for simple path"},
		{`DELETE FROM WHERE pk = 'a'`, nwf + "Expected identifier for simple path"},
		{`SELECT * FROM "t" WHERE pk = 1 # note`, nwf},
		{`SELECT * FROM "t" t WHERE pk = 'x'`, "Aliasing is not supported"},
		{`SELECT * FROM "t" AS t WHERE pk = 'x'`, "Aliasing is not supported"},
		{`SELECT * FROM "t" WHERE pk = ?`, "Number of parameters in request and statement doesn't match."},
		{`SELECT * FROM "t" WHERE pk = 1e126`, "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{`CREATE TABLE x`, "Unsupported operation: Create"},
		{`hello`, nwf + "Expected data manipulation"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.src, nil)
		var pe *Error
		if !errors.As(err, &pe) || pe.Msg != tt.want {
			t.Errorf("Parse(%q) error = %v, want %q", tt.src, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`SELECT * FROM "t" WHERE pk = 'a' AND sk >= 3`,
		`SELECT a.b[1], c FROM "t"."i" WHERE x IN (1, 2) OR NOT y IS MISSING`,
		`INSERT INTO t VALUE {'pk': 'a', 'l': [1, <<'x'>>, {'m': NULL}]}`,
		`UPDATE t SET a = a + 1 REMOVE b WHERE pk = ?`,
		`DELETE FROM t WHERE pk = 'a' AND begins_with(s, 'x')`,
		`SELECT * FROM t WHERE /* c */ a = 'it''s' -- x`,
		`SELECT * FROM "t" WHERE (((`,
	} {
		f.Add(seed)
	}
	one := "1"
	f.Fuzz(func(t *testing.T, src string) {
		st, err := Parse(src, []api.AttributeValue{{N: &one}})
		if err == nil && st == nil {
			t.Fatal("nil statement without error")
		}
		var pe *Error
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("error of type %T", err)
		}
	})
}
