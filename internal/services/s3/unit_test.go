package s3

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/virga-aws/virga/internal/services/s3/api"
)

// TestKeyIndex checks the chunked index against a sorted slice under
// random inserts and removals.
func TestKeyIndex(t *testing.T) {
	var x keyIndex
	var model []string
	rng := rand.New(rand.NewSource(1))
	has := map[string]bool{}
	for i := 0; i < 20000; i++ {
		k := fmt.Sprintf("k%05d", rng.Intn(5000))
		if has[k] {
			x.remove(k)
			delete(has, k)
			j, _ := slices.BinarySearch(model, k)
			model = slices.Delete(model, j, j+1)
		} else {
			x.insert(&objectEntry{key: k})
			has[k] = true
			j, _ := slices.BinarySearch(model, k)
			model = slices.Insert(model, j, k)
		}
	}
	if x.len() != len(model) {
		t.Fatalf("len %d, want %d", x.len(), len(model))
	}
	var got []string
	for c := x.seek(""); c.entry() != nil; c.next() {
		got = append(got, c.entry().key)
	}
	if !slices.Equal(got, model) {
		t.Fatal("iteration order differs from the sorted model")
	}
	for i := 0; i < 200; i++ {
		k := fmt.Sprintf("k%05d", rng.Intn(5100))
		j, _ := slices.BinarySearch(model, k)
		c := x.seek(k)
		if j == len(model) {
			if c.entry() != nil {
				t.Fatalf("seek(%s) past the end found %s", k, c.entry().key)
			}
			continue
		}
		if c.entry() == nil || c.entry().key != model[j] {
			t.Fatalf("seek(%s) = %v, want %s", k, c.entry(), model[j])
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	for in, want := range map[string]string{"a/": "a0", "ab": "ac", "a\xff": "b", "\xff\xff": "", "": ""} {
		if got := prefixEnd(in); got != want {
			t.Errorf("prefixEnd(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseRange(t *testing.T) {
	tests := []struct {
		h             string
		size          int64
		start, length int64
		partial, err  bool
	}{
		{"bytes=0-0", 10, 0, 1, true, false},
		{"bytes=0-", 10, 0, 10, true, false},
		{"bytes=-3", 10, 7, 3, true, false},
		{"bytes=9-9", 10, 9, 1, true, false},
		{"bytes=10-", 10, 0, 10, false, true},
		{"bytes=-0", 10, 0, 10, false, true},
		{"bytes=0-", 0, 0, 0, false, true},
		{"bytes=a-b", 10, 0, 10, false, false},
		{"items=0-1", 10, 0, 10, false, false},
		{"bytes=1-2,3-4", 10, 0, 10, false, false},
		{"bytes=5-2", 10, 0, 10, false, false},
	}
	for _, tt := range tests {
		r, err := parseRange(tt.h, tt.size)
		if (err != nil) != tt.err || (err == nil && (r.start != tt.start || r.length != tt.length || r.partial != tt.partial)) {
			t.Errorf("parseRange(%q, %d) = %+v, %v", tt.h, tt.size, r, err)
		}
	}
}

func TestValidBucketName(t *testing.T) {
	for name, want := range map[string]bool{
		"abc": true, "a.b-c": true, "ab": false, "a..b": false, "a.-b": true, "1.2.3.4": false,
		"xn--a": false, "a-s3alias": false, "ABC": false, "abc-": false, ".abc": false,
	} {
		if got := validBucketName(name); got != want {
			t.Errorf("validBucketName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestBucketRegion(t *testing.T) {
	tests := []struct{ req, lc, want, code string }{
		{"us-east-1", "", "us-east-1", ""},
		{"us-east-1", "eu-west-1", "eu-west-1", ""},
		{"us-east-1", "EU", "eu-west-1", ""},
		{"us-east-1", "us-east-1", "", "InvalidLocationConstraint"},
		{"eu-west-1", "", "", "IllegalLocationConstraintException"},
		{"eu-west-1", "us-west-2", "", "IllegalLocationConstraintException"},
		{"eu-west-1", "nowhere-1", "", "InvalidLocationConstraint"},
		{"eu-west-1", "eu-west-1", "eu-west-1", ""},
	}
	for _, tt := range tests {
		got, err := bucketRegion(tt.req, tt.lc)
		code := ""
		if err != nil {
			code = err.(interface{ Error() string }).Error()
			code = strings.SplitN(code, ":", 2)[0]
		}
		if got != tt.want || code != tt.code {
			t.Errorf("bucketRegion(%q, %q) = %q, %q; want %q, %q", tt.req, tt.lc, got, code, tt.want, tt.code)
		}
	}
}

func TestCORSMatching(t *testing.T) {
	rules := []api.CORSRule{
		{AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET"}, AllowedHeaders: []string{"x-amz-*"}},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PUT"}},
	}
	tests := []struct {
		origin, method string
		headers        []string
		rule           int
	}{
		{"https://a.example.com", "GET", nil, 0},
		{"https://a.example.com", "GET", []string{"x-amz-date"}, 0},
		{"https://a.example.com", "GET", []string{"authorization"}, -1},
		{"http://a.example.com", "GET", nil, -1},
		{"https://any.test", "PUT", nil, 1},
		{"https://any.test", "PUT", []string{"content-type"}, -1},
		{"https://any.test", "DELETE", nil, -1},
	}
	for _, tt := range tests {
		r := matchCORS(rules, tt.origin, tt.method, tt.headers)
		got := -1
		for i := range rules {
			if r == &rules[i] {
				got = i
			}
		}
		if got != tt.rule {
			t.Errorf("matchCORS(%s %s %v) = rule %d, want %d", tt.origin, tt.method, tt.headers, got, tt.rule)
		}
	}
	hd := corsHeaders(&rules[1], "https://x.test")
	if hd.Get("Access-Control-Allow-Origin") != "*" || hd.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("wildcard headers = %v", hd)
	}
	hd = corsHeaders(&rules[0], "https://a.example.com")
	if hd.Get("Access-Control-Allow-Origin") != "https://a.example.com" || hd.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("origin headers = %v", hd)
	}
}

func TestParseCopySource(t *testing.T) {
	tests := []struct {
		in, bucket, key, vid string
		err                  bool
	}{
		{"b/k", "b", "k", "", false},
		{"/b/a%20b/c", "b", "a b/c", "", false},
		{"b/k?versionId=abc", "b", "k", "abc", false},
		{"b", "", "", "", true},
		{"b/", "", "", "", true},
		{"b/k%zz", "", "", "", true},
		{"b/k?other=1", "", "", "", true},
	}
	for _, tt := range tests {
		cs, err := parseCopySource(tt.in)
		if (err != nil) != tt.err || (err == nil && (cs.bucket != tt.bucket || cs.key != tt.key || cs.versionID != tt.vid)) {
			t.Errorf("parseCopySource(%q) = %+v, %v", tt.in, cs, err)
		}
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-1", "bytes=-5", "bytes=3-", "bytes=a-", "bytes=1-2,3-4", "bytes=99999999999999999999-"} {
		f.Add(s, int64(10))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -size
		}
		if size < 0 {
			return
		}
		r, err := parseRange(h, size)
		if err == nil && (r.start < 0 || r.length < 0 || r.start+r.length > size) {
			t.Fatalf("parseRange(%q, %d) = %+v out of bounds", h, size, r)
		}
	})
}

func FuzzParseCopySource(f *testing.F) {
	for _, s := range []string{"b/k", "/b/k?versionId=x", "%", "b/%2", "b/k?versionId="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := parseCopySource(s)
		if err == nil && (cs.bucket == "" || cs.key == "") {
			t.Fatalf("parseCopySource(%q) = %+v without error", s, cs)
		}
	})
}

func FuzzParseTaggingHeader(f *testing.F) {
	for _, s := range []string{"a=1&b=2", "a=1&a=2", "%zz=1", "=", "k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tags, err := parseTaggingHeader(s)
		if err == nil && len(tags) > maxObjectTags {
			t.Fatalf("parseTaggingHeader(%q) returned %d tags", s, len(tags))
		}
	})
}

// referenceList is a brute-force listing: sorted keys after marker under
// prefix, rolled up at delimiter, cut at max.
func referenceList(keys []string, prefix, delim, after string, max int) (rows []string, truncated bool) {
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	seen := map[string]bool{}
	for _, k := range sorted {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		row := k
		if cp, ok := commonPrefix(k, prefix, delim); ok {
			row = cp
		}
		if row <= after || seen[row] {
			continue
		}
		if len(rows) == max {
			return rows, true
		}
		seen[row] = true
		rows = append(rows, row)
	}
	return rows, false
}

// TestListAgainstReference pages through random key sets with random
// prefixes, delimiters and page sizes and compares with referenceList.
func TestListAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	alphabet := []string{"a", "b", "/", "-", "ab", "a/"}
	for round := 0; round < 200; round++ {
		b := &bucket{objects: map[string]*objectEntry{}}
		var keys []string
		for i := 0; i < 1+rng.Intn(60); i++ {
			var sb strings.Builder
			for j := 0; j < 1+rng.Intn(5); j++ {
				sb.WriteString(alphabet[rng.Intn(len(alphabet))])
			}
			k := sb.String()
			if b.objects[k] != nil {
				continue
			}
			e := &objectEntry{key: k, versions: []*objVersion{{ID: nullVersion}}}
			b.objects[k] = e
			b.index.insert(e)
			keys = append(keys, k)
		}
		prefix := []string{"", "a", "a/", "b"}[rng.Intn(4)]
		delim := []string{"", "/", "-", "b"}[rng.Intn(4)]
		max := 1 + rng.Intn(7)
		want, _ := referenceList(keys, prefix, delim, "", 1<<30)
		var got []string
		after := ""
		for pages := 0; ; pages++ {
			r := b.list(prefix, delim, after, max)
			for _, o := range r.objects {
				got = append(got, o.key)
			}
			got = append(got, r.prefixes...)
			rows, truncated := referenceList(keys, prefix, delim, after, max)
			slices.Sort(got[len(got)-len(r.objects)-len(r.prefixes):])
			if r.truncated != truncated || len(rows) != len(r.objects)+len(r.prefixes) {
				t.Fatalf("round %d page %d (prefix %q delim %q max %d after %q): truncated %v rows %d, want %v %d",
					round, pages, prefix, delim, max, after, r.truncated, len(r.objects)+len(r.prefixes), truncated, len(rows))
			}
			if !r.truncated {
				break
			}
			after = r.last
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d (prefix %q delim %q max %d): got %v, want %v", round, prefix, delim, max, got, want)
		}
	}
}
