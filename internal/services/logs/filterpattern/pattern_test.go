package filterpattern

import (
	"testing"
)

func TestMatch(t *testing.T) {
	const apache = `127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 1534`
	const js = `{"eventType":"UpdateTrail","sourceIPAddress":"123.123.1.2","n":7,"ok":true,"gone":null,"arr":["a","b"],"objs":[{"id":1},{"id":2}],"user":{"name":"ann"}}`
	tests := []struct {
		pattern, message string
		want             bool
	}{
		{"", "anything", true},
		{"   ", "anything", true},
		{"ERROR", "an ERROR happened", true},
		{"ERROR", "an error happened", false},
		{"ERROR Exception", "ERROR: Exception raised", true},
		{"ERROR Exception", "ERROR only", false},
		{`"out of memory"`, "fatal: out of memory now", true},
		{`"out of memory"`, "memory out of", false},
		{"ERROR -Exiting", "ERROR retrying", true},
		{"ERROR -Exiting", "ERROR Exiting now", false},
		{"?ERROR ?WARN", "WARN disk", true},
		{"?ERROR ?WARN", "INFO fine", false},
		{"%ERR(OR)?%", "ERR x", true},
		{"%^ab+c$%", "abbbc", true},
		{"%^ab+c$%", "xabc", false},
		{`{ $.eventType = "UpdateTrail" }`, js, true},
		{`{ $.eventType = UpdateTrail }`, js, true},
		{`{ $.eventType = "Update*" }`, js, true},
		{`{ $.eventType = "*Trail" }`, js, true},
		{`{ $.eventType = "*rai*" }`, js, true},
		{`{ $.eventType = "Create*" }`, js, false},
		{`{ $.eventType != "CreateTrail" }`, js, true},
		{`{ $.sourceIPAddress = 123.123.* }`, js, true},
		{`{ $.sourceIPAddress != 123.123.* }`, js, false},
		{`{ $.n > 5 }`, js, true},
		{`{ $.n < 5 }`, js, false},
		{`{ $.n >= 7 && $.n <= 7 }`, js, true},
		{`{ $.n = 7 }`, js, true},
		{`{ $.n = 7.0 }`, js, true},
		{`{ $.n != 7 }`, js, false},
		{`{ $.n = "7" }`, js, false},
		{`{ $.n > 5 && $.ok IS TRUE }`, js, true},
		{`{ $.n > 5 && $.ok IS FALSE }`, js, false},
		{`{ $.n > 50 || $.ok IS TRUE }`, js, true},
		{`{ ($.n > 50 || $.ok IS TRUE) && $.eventType = "X" }`, js, false},
		{`{ $.gone IS NULL }`, js, true},
		{`{ $.ok IS NULL }`, js, false},
		{`{ $.missing NOT EXISTS }`, js, true},
		{`{ $.gone NOT EXISTS }`, js, false},
		{`{ $.arr[1] = "b" }`, js, true},
		{`{ $.arr[5] = "b" }`, js, false},
		{`{ $.objs[1].id = 2 }`, js, true},
		{`{ $.user.name = "ann" }`, js, true},
		{`{ $.user.name = %^a.n$% }`, js, true},
		{`{ $.eventType = "UpdateTrail" }`, "not json", false},
		{`{ $.n > 5 }`, `{"n":"text"}`, false},
		{`[ip, user, username, timestamp, request, status_code, bytes]`, apache, true},
		{`[ip, user, username, timestamp, request, status_code]`, apache, false},
		{`[ip, user, username, timestamp, request = "*gif*", status_code = 4*, bytes]`, apache, true},
		{`[ip, user, username, timestamp, request = "*html*", status_code = 4*, bytes]`, apache, false},
		{`[..., status_code = 404, bytes > 1000]`, apache, true},
		{`[..., status_code = 404, bytes > 2000]`, apache, false},
		{`[ip = 127.0.0.1, ...]`, apache, true},
		{`[ip, ..., bytes < 2000]`, apache, true},
		{`[ip, user, username != frank, ...]`, apache, false},
		{`[ip, user, username, timestamp, request, status_code = 200 || status_code = 404, bytes]`, apache, true},
		{`[ip, user, username, timestamp, request, status_code >= 400 && status_code < 500, bytes]`, apache, true},
		{`[...]`, apache, true},
		{`[a, b]`, "one two", true},
		{`[a, b]`, "one", false},
	}
	for _, tt := range tests {
		p, err := Parse(tt.pattern)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.pattern, err)
			continue
		}
		if got := p.Match(tt.message); got != tt.want {
			t.Errorf("Parse(%q).Match(%q) = %v, want %v", tt.pattern, tt.message, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, pattern := range []string{
		`{ $.x = "a" `,
		`{ }`,
		`{ x = 1 }`,
		`{ $.x }`,
		`{ $.x = }`,
		`{ $.x > "abc" }`,
		`{ $.x IS MAYBE }`,
		`{ $.x NOT THERE }`,
		`{ ($.x = 1 }`,
		`{ $.x = 1 && }`,
		`{ $. = 1 }`,
		`{ $.a[x] = 1 }`,
		`[a, b`,
		`[a b]`,
		`[a = ]`,
		`[a, b = 1 && c = 2]`,
		`"unterminated`,
		`%unterminated`,
		`%(%`,
		`ERR"OR`,
		`- ERROR`,
		`? ERROR`,
		string(make([]byte, MaxLength+1)),
	} {
		if _, err := Parse(pattern); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", pattern)
		}
	}
}

func TestExtract(t *testing.T) {
	p, err := Parse(`[ip, user, ..., status, bytes]`)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := p.Extract(`1.2.3.4 bob [x y] "GET /" 200 15`)
	if !ok {
		t.Fatal("no match")
	}
	want := map[string]string{"$ip": "1.2.3.4", "$user": "bob", "$status": "200", "$bytes": "15"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	p, err = Parse(`{ $.a = 1 && $.b.c = "x" }`)
	if err != nil {
		t.Fatal(err)
	}
	got, ok = p.Extract(`{"a":1,"b":{"c":"x"}}`)
	if !ok || got["$.a"] != "1" || got["$.b.c"] != "x" {
		t.Errorf("Extract = %v, %v", got, ok)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "ERROR", `"a b" -c ?d`, `{ $.x = "y*" }`, `{ ($.n > 5 && $.y IS TRUE) || $.z NOT EXISTS }`,
		`[ip, user, ..., status = 4* || status = 5*, bytes > 10]`, `%a+b%`, `{ $.a[0].b = %x% }`,
	} {
		f.Add(s, `{"x":"yes","n":6,"y":true,"a":[{"b":"x"}]} 1 2 3`)
	}
	f.Fuzz(func(t *testing.T, pattern, message string) {
		p, err := Parse(pattern)
		if err != nil {
			return
		}
		p.Match(message)
		p.Extract(message)
	})
}
