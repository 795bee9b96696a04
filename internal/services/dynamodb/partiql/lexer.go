package partiql

import "strings"

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokIdent
	tokQuoted // "double-quoted identifier"
	tokString // 'single-quoted string'
	tokNumber
	tokPunct
	tokParam // ?
	tokBad   // a character or comment the lexer cannot read
)

type token struct {
	kind tokenKind
	text string // identifier, string contents, number or punctuation
}

// keyword reports whether t is the bare keyword kw (case-insensitive).
func (t token) keyword(kw string) bool {
	return t.kind == tokIdent && strings.EqualFold(t.text, kw)
}

// keywords are the words that end a path or projection list or start a
// clause; they cannot be bare attribute names there.
var keywords = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "AND": true, "OR": true, "NOT": true,
	"INSERT": true, "INTO": true, "VALUE": true, "VALUES": true, "UPDATE": true, "SET": true,
	"REMOVE": true, "DELETE": true, "BETWEEN": true, "IN": true, "IS": true, "ORDER": true,
	"BY": true, "AS": true, "RETURNING": true, "NULL": true, "MISSING": true, "TRUE": true,
	"FALSE": true, "LIKE": true, "LIMIT": true, "JOIN": true, "GROUP": true,
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// lex splits a statement into tokens. It never fails: text it cannot read
// becomes a tokBad token that the parser reports.
func lex(src string) []token {
	var out []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return append(out, token{kind: tokBad})
			}
			i += end + 4
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && (isIdentStart(src[j]) || isDigit(src[j]) || src[j] == '$') {
				j++
			}
			out = append(out, token{tokIdent, src[i:j]})
			i = j
		case isDigit(c) || c == '.' && i+1 < len(src) && isDigit(src[i+1]):
			j := i
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			if j < len(src) && src[j] == '.' {
				j++
				for j < len(src) && isDigit(src[j]) {
					j++
				}
			}
			if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
				k := j + 1
				if k < len(src) && (src[k] == '+' || src[k] == '-') {
					k++
				}
				if k < len(src) && isDigit(src[k]) {
					for k < len(src) && isDigit(src[k]) {
						k++
					}
					j = k
				}
			}
			out = append(out, token{tokNumber, src[i:j]})
			i = j
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(src) {
				if src[j] == c {
					if j+1 < len(src) && src[j+1] == c {
						b.WriteByte(c)
						j += 2
						continue
					}
					closed = true
					j++
					break
				}
				b.WriteByte(src[j])
				j++
			}
			if !closed {
				return append(out, token{kind: tokBad})
			}
			kind := tokString
			if c == '"' {
				kind = tokQuoted
			}
			out = append(out, token{kind, b.String()})
			i = j
		case c == '?':
			out = append(out, token{tokParam, "?"})
			i++
		default:
			two := ""
			if i+1 < len(src) {
				two = src[i : i+2]
			}
			switch two {
			case "<>", "!=", "<=", ">=", "<<", ">>", "||":
				out = append(out, token{tokPunct, two})
				i += 2
				continue
			}
			if strings.IndexByte("*,.()[]{}:=<>+-;", c) >= 0 {
				out = append(out, token{tokPunct, string(c)})
				i++
				continue
			}
			return append(out, token{kind: tokBad})
		}
	}
	return append(out, token{kind: tokEOF})
}
