// Package filterpattern parses and matches CloudWatch Logs filter patterns:
// unstructured terms, JSON patterns and space-delimited patterns.
package filterpattern

import (
	"fmt"
	"regexp"
	"strings"
)

// MaxLength is the longest filter pattern CloudWatch Logs accepts.
const MaxLength = 1024

// Pattern is a parsed filter pattern. The zero Pattern, like the empty
// pattern string, matches every event. A Pattern is safe for concurrent use.
type Pattern struct {
	source string
	terms  *termPattern
	json   node
	fields *fieldPattern
}

// Error is a filter pattern syntax error.
type Error struct {
	Pattern string
	Reason  string
}

// Error returns the reason with the pattern it was found in.
func (e *Error) Error() string {
	return fmt.Sprintf("invalid filter pattern %q: %s", e.Pattern, e.Reason)
}

// Parse parses a filter pattern. A pattern starting with "{" is a JSON
// pattern, one starting with "[" a space-delimited pattern, anything else a
// list of terms; the empty (or all-blank) pattern matches every event.
func Parse(s string) (*Pattern, error) {
	p := &Pattern{source: s}
	if len(s) > MaxLength {
		return nil, &Error{s, fmt.Sprintf("longer than %d characters", MaxLength)}
	}
	t := strings.TrimSpace(s)
	var err error
	switch {
	case t == "":
	case t[0] == '{':
		p.json, err = parseJSONPattern(t)
	case t[0] == '[':
		p.fields, err = parseFieldPattern(t)
	default:
		p.terms, err = parseTerms(t)
	}
	if err != nil {
		return nil, &Error{s, err.Error()}
	}
	return p, nil
}

// String returns the pattern as it was given to Parse.
func (p *Pattern) String() string { return p.source }

// Match reports whether the event message matches the pattern.
func (p *Pattern) Match(message string) bool {
	_, ok := p.Extract(message)
	return ok
}

// Extract matches message and returns the values the pattern names, as
// TestMetricFilter reports them: "$name" for the fields of a
// space-delimited pattern, "$.path" for the selectors of a JSON pattern; nil
// for term patterns.
func (p *Pattern) Extract(message string) (map[string]string, bool) {
	switch {
	case p == nil:
		return nil, true
	case p.terms != nil:
		return nil, p.terms.match(message)
	case p.json != nil:
		doc, ok := decodeJSON(message)
		if !ok {
			return nil, false
		}
		if !p.json.eval(doc) {
			return nil, false
		}
		out := map[string]string{}
		p.json.extract(doc, out)
		return out, true
	case p.fields != nil:
		return p.fields.match(message)
	}
	return nil, true
}

// termPattern is an unstructured pattern: every required term must occur,
// no excluded term may occur, and when there are optional (?) terms at
// least one must occur.
type termPattern struct {
	required, excluded, optional []matcher
}

// matcher is one term: a literal substring or a %regular expression%.
type matcher struct {
	text string
	re   *regexp.Regexp
}

func (m matcher) in(s string) bool {
	if m.re != nil {
		return m.re.MatchString(s)
	}
	return strings.Contains(s, m.text)
}

func (t *termPattern) match(s string) bool {
	for _, m := range t.required {
		if !m.in(s) {
			return false
		}
	}
	for _, m := range t.excluded {
		if m.in(s) {
			return false
		}
	}
	if len(t.optional) == 0 {
		return true
	}
	for _, m := range t.optional {
		if m.in(s) {
			return true
		}
	}
	return false
}

func parseTerms(s string) (*termPattern, error) {
	t := &termPattern{}
	i := 0
	for i < len(s) {
		if isSpace(s[i]) {
			i++
			continue
		}
		kind := byte(0)
		if s[i] == '-' || s[i] == '?' {
			kind = s[i]
			i++
			if i >= len(s) || isSpace(s[i]) {
				return nil, fmt.Errorf("%q must be followed by a term", string(kind))
			}
		}
		var m matcher
		switch s[i] {
		case '"':
			text, n, err := quoted(s[i:])
			if err != nil {
				return nil, err
			}
			m.text, i = text, i+n
		case '%':
			end := strings.IndexByte(s[i+1:], '%')
			if end < 0 {
				return nil, fmt.Errorf("unterminated regular expression")
			}
			re, err := compileRegex(s[i+1 : i+1+end])
			if err != nil {
				return nil, err
			}
			m.re, i = re, i+end+2
		default:
			j := i
			for j < len(s) && !isSpace(s[j]) {
				if s[j] == '"' {
					return nil, fmt.Errorf("invalid character(s) in term %q", s[i:j+1])
				}
				j++
			}
			m.text, i = s[i:j], j
		}
		if m.re == nil && m.text == "" {
			continue
		}
		switch kind {
		case '-':
			t.excluded = append(t.excluded, m)
		case '?':
			t.optional = append(t.optional, m)
		default:
			t.required = append(t.required, m)
		}
	}
	return t, nil
}

// quoted reads a double-quoted string at the start of s (backslash escapes
// the next character) and returns its text and the bytes consumed.
func quoted(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), i + 1, nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, fmt.Errorf("unterminated quoted string")
}

// maxRegexLength bounds a %regex% term; the regular expressions are RE2, so
// matching stays linear in the message length.
const maxRegexLength = 250

func compileRegex(expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, fmt.Errorf("empty regular expression")
	}
	if len(expr) > maxRegexLength {
		return nil, fmt.Errorf("regular expression longer than %d characters", maxRegexLength)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q", expr)
	}
	return re, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
