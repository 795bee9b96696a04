// Package expr parses and evaluates DynamoDB's expression language:
// condition, filter, key condition, update and projection expressions.
package expr

import "strings"

// tokenKind classifies a token.
type tokenKind int

const (
	tkEOF    tokenKind = iota
	tkIdent            // a bare name or keyword
	tkName             // #name
	tkValue            // :value
	tkNumber           // digits (list indexes)
	tkPunct            // = <> < <= > >= ( ) [ ] , . + -
	tkBad              // a character that starts no token
)

// token is one lexeme with its byte offsets in the source.
type token struct {
	kind       tokenKind
	text       string
	start, end int
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// lex splits src into tokens, ending with a tkEOF token.
func lex(src string) []token {
	var out []token
	i := 0
	for {
		for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
			i++
		}
		if i >= len(src) {
			return append(out, token{kind: tkEOF, text: "<EOF>", start: len(src), end: len(src)})
		}
		start := i
		c := src[i]
		switch {
		case isIdentStart(c):
			for i < len(src) && isIdentChar(src[i]) {
				i++
			}
			out = append(out, token{tkIdent, src[start:i], start, i})
		case c >= '0' && c <= '9':
			for i < len(src) && src[i] >= '0' && src[i] <= '9' {
				i++
			}
			out = append(out, token{tkNumber, src[start:i], start, i})
		case c == '#' || c == ':':
			i++
			for i < len(src) && isIdentChar(src[i]) {
				i++
			}
			kind := tkName
			if c == ':' {
				kind = tkValue
			}
			if i == start+1 {
				kind = tkPunct
			}
			out = append(out, token{kind, src[start:i], start, i})
		case c == '<':
			i++
			if i < len(src) && (src[i] == '>' || src[i] == '=') {
				i++
			}
			out = append(out, token{tkPunct, src[start:i], start, i})
		case c == '>':
			i++
			if i < len(src) && src[i] == '=' {
				i++
			}
			out = append(out, token{tkPunct, src[start:i], start, i})
		case strings.IndexByte("=()[],.+-", c) >= 0:
			i++
			out = append(out, token{tkPunct, src[start:i], start, i})
		default:
			// One (possibly multi-byte) character that starts no token.
			i++
			for i < len(src) && src[i]&0xC0 == 0x80 {
				i++
			}
			out = append(out, token{tkBad, src[start:i], start, i})
		}
	}
}
