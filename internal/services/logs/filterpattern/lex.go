package filterpattern

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

type tokenKind int

const (
	tokWord tokenKind = iota
	tokString
	tokRegex
	tokOp
	tokAnd
	tokOr
	tokOpen
	tokClose
	tokComma
)

type token struct {
	kind tokenKind
	text string
}

// lex splits the inside of a JSON or space-delimited pattern into tokens.
func lex(s string) ([]token, error) {
	var out []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case isSpace(c):
			i++
		case c == '(':
			out = append(out, token{tokOpen, "("})
			i++
		case c == ')':
			out = append(out, token{tokClose, ")"})
			i++
		case c == ',':
			out = append(out, token{tokComma, ","})
			i++
		case strings.HasPrefix(s[i:], "&&"):
			out = append(out, token{tokAnd, "&&"})
			i += 2
		case strings.HasPrefix(s[i:], "||"):
			out = append(out, token{tokOr, "||"})
			i += 2
		case strings.HasPrefix(s[i:], "!=") || strings.HasPrefix(s[i:], "<=") || strings.HasPrefix(s[i:], ">="):
			out = append(out, token{tokOp, s[i : i+2]})
			i += 2
		case c == '=' || c == '<' || c == '>':
			out = append(out, token{tokOp, s[i : i+1]})
			i++
		case c == '"':
			text, n, err := quoted(s[i:])
			if err != nil {
				return nil, err
			}
			out = append(out, token{tokString, text})
			i += n
		case c == '%':
			end := strings.IndexByte(s[i+1:], '%')
			if end < 0 {
				return nil, fmt.Errorf("unterminated regular expression")
			}
			out = append(out, token{tokRegex, s[i+1 : i+1+end]})
			i += end + 2
		default:
			j := i
			for j < len(s) && !isSpace(s[j]) && !strings.ContainsRune("()=<>!&|,\"", rune(s[j])) {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("invalid character %q", string(c))
			}
			out = append(out, token{tokWord, s[i:j]})
			i = j
		}
	}
	return out, nil
}

// comparison is an operator with its value: numeric when the value is a
// number, else a string that may hold * wildcards, or a regular expression.
type comparison struct {
	op      string
	text    string
	num     float64
	numeric bool
	glob    bool
	re      *regexp.Regexp
}

func newComparison(op string, v token) (comparison, error) {
	c := comparison{op: op, text: v.text}
	switch v.kind {
	case tokRegex:
		if op != "=" && op != "!=" {
			return c, fmt.Errorf("operator %s cannot take a regular expression", op)
		}
		re, err := compileRegex(v.text)
		if err != nil {
			return c, err
		}
		c.re = re
		return c, nil
	case tokWord:
		if f, err := strconv.ParseFloat(v.text, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			c.num, c.numeric = f, true
			return c, nil
		}
	}
	if op != "=" && op != "!=" {
		return c, fmt.Errorf("operator %s needs a number, found %q", op, v.text)
	}
	c.glob = strings.Contains(c.text, "*")
	return c, nil
}

// test applies the comparison to a value; isNumber says the value is a JSON
// number (a field of a space-delimited event is numeric when it parses).
func (c comparison) test(value string, isNumber bool) bool {
	switch c.op {
	case "=":
		return c.equal(value, isNumber)
	case "!=":
		return !c.equal(value, isNumber)
	}
	f, err := strconv.ParseFloat(value, 64)
	if err != nil || math.IsNaN(f) {
		return false
	}
	switch c.op {
	case "<":
		return f < c.num
	case "<=":
		return f <= c.num
	case ">":
		return f > c.num
	case ">=":
		return f >= c.num
	}
	return false
}

func (c comparison) equal(value string, isNumber bool) bool {
	switch {
	case c.re != nil:
		return c.re.MatchString(value)
	case c.numeric:
		f, err := strconv.ParseFloat(value, 64)
		return err == nil && f == c.num
	case isNumber:
		return false
	case c.glob:
		return globMatch(c.text, value)
	}
	return value == c.text
}

// globMatch matches value against pattern in which * stands for any run of
// characters (and every other character for itself).
func globMatch(pattern, value string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return value == pattern
	}
	if !strings.HasPrefix(value, parts[0]) {
		return false
	}
	value = value[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(value, p)
		if i < 0 {
			return false
		}
		value = value[i+len(p):]
	}
	return strings.HasSuffix(value, last)
}
