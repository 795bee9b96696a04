package expr

import (
	"bytes"
	"errors"
	"math/big"
	"strings"

	"github.com/virga-aws/virga/internal/services/dynamodb/api"
)

// Decimal is a DynamoDB number: the value 0.Digits × 10^Exp, negated when
// Neg. Digits has no leading or trailing zeros; zero has empty Digits.
type Decimal struct {
	Neg    bool
	Digits string
	Exp    int
}

// Number errors, with DynamoDB's messages.
var (
	ErrNotNumber = errors.New("not a number")
	ErrOverflow  = errors.New("Number overflow. Attempting to store a number with magnitude larger than supported range")
	ErrUnderflow = errors.New("Number underflow. Attempting to store a number with magnitude smaller than supported range")
	ErrPrecision = errors.New("Attempting to store more than 38 significant digits in a Number")
)

// ParseNumber parses a DynamoDB number string and checks DynamoDB's limits:
// at most 38 significant digits, magnitudes from 1E-130 to below 1E+126.
func ParseNumber(s string) (Decimal, error) {
	d, err := parseDecimal(s)
	if err != nil {
		return d, err
	}
	return d, d.check()
}

func (d Decimal) check() error {
	if d.Digits == "" {
		return nil
	}
	if len(d.Digits) > 38 {
		return ErrPrecision
	}
	if d.Exp-1 > 125 {
		return ErrOverflow
	}
	if d.Exp-1 < -130 {
		return ErrUnderflow
	}
	return nil
}

func parseDecimal(s string) (Decimal, error) {
	if d, ok := parseInteger(s); ok {
		return d, nil
	}
	return parseDecimalGeneral(s)
}

// parseInteger is parseDecimal for an optionally signed run of digits
// (most numbers), without allocating: Digits is a substring of s.
func parseInteger(s string) (Decimal, bool) {
	var d Decimal
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		d.Neg = s[i] == '-'
		i++
	}
	if i == len(s) {
		return d, false
	}
	for j := i; j < len(s); j++ {
		if s[j] < '0' || s[j] > '9' {
			return d, false
		}
	}
	digits := strings.TrimLeft(s[i:], "0")
	if digits == "" {
		return Decimal{}, true
	}
	d.Exp = len(digits)
	d.Digits = strings.TrimRight(digits, "0")
	return d, true
}

func parseDecimalGeneral(s string) (Decimal, error) {
	var d Decimal
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		d.Neg = s[i] == '-'
		i++
	}
	var digits []byte
	intDigits, seenDigit, seenDot := 0, false, false
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			seenDigit = true
			digits = append(digits, c)
			if !seenDot {
				intDigits++
			}
			continue
		}
		if c == '.' && !seenDot {
			seenDot = true
			continue
		}
		break
	}
	if !seenDigit {
		return d, ErrNotNumber
	}
	exp := 0
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return d, ErrNotNumber
		}
		i++
		neg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			neg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return d, ErrNotNumber
		}
		for ; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return d, ErrNotNumber
			}
			if exp < 100000 {
				exp = exp*10 + int(c-'0')
			}
		}
		if neg {
			exp = -exp
		}
	}
	lead := 0
	for lead < len(digits) && digits[lead] == '0' {
		lead++
	}
	digits = digits[lead:]
	intDigits -= lead
	digits = bytes.TrimRight(digits, "0")
	if len(digits) == 0 {
		return Decimal{}, nil
	}
	d.Digits = string(digits)
	d.Exp = intDigits + exp
	return d, nil
}

// String returns the number in DynamoDB's canonical plain notation.
func (d Decimal) String() string {
	if d.Digits == "" {
		return "0"
	}
	var b strings.Builder
	if d.Neg {
		b.WriteByte('-')
	}
	n := len(d.Digits)
	switch {
	case d.Exp >= n:
		b.WriteString(d.Digits)
		for i := n; i < d.Exp; i++ {
			b.WriteByte('0')
		}
	case d.Exp <= 0:
		b.WriteString("0.")
		for i := d.Exp; i < 0; i++ {
			b.WriteByte('0')
		}
		b.WriteString(d.Digits)
	default:
		b.WriteString(d.Digits[:d.Exp])
		b.WriteByte('.')
		b.WriteString(d.Digits[d.Exp:])
	}
	return b.String()
}

// Compare returns -1, 0 or +1 as d is less than, equal to or greater than e.
func (d Decimal) Compare(e Decimal) int {
	ds, es := d.sign(), e.sign()
	if ds != es {
		if ds < es {
			return -1
		}
		return 1
	}
	if ds == 0 {
		return 0
	}
	c := 0
	switch {
	case d.Exp != e.Exp:
		c = 1
		if d.Exp < e.Exp {
			c = -1
		}
	default:
		c = strings.Compare(d.Digits, e.Digits)
	}
	return c * ds
}

func (d Decimal) sign() int {
	switch {
	case d.Digits == "":
		return 0
	case d.Neg:
		return -1
	}
	return 1
}

// SignificantDigits returns the number of significant digits.
func (d Decimal) SignificantDigits() int { return len(d.Digits) }

func (d Decimal) bigScaled() (*big.Int, int) {
	if d.Digits == "" {
		return new(big.Int), 0
	}
	n, _ := new(big.Int).SetString(d.Digits, 10)
	if d.Neg {
		n.Neg(n)
	}
	return n, d.Exp - len(d.Digits)
}

// Add returns d+e (or d-e when subtract), checked against DynamoDB's limits.
func (d Decimal) Add(e Decimal, subtract bool) (Decimal, error) {
	a, as := d.bigScaled()
	b, bs := e.bigScaled()
	if subtract {
		b.Neg(b)
	}
	scale := min(as, bs)
	ten := big.NewInt(10)
	if as > scale {
		a.Mul(a, new(big.Int).Exp(ten, big.NewInt(int64(as-scale)), nil))
	}
	if bs > scale {
		b.Mul(b, new(big.Int).Exp(ten, big.NewInt(int64(bs-scale)), nil))
	}
	a.Add(a, b)
	var r Decimal
	str := a.String()
	if strings.HasPrefix(str, "-") {
		r.Neg = true
		str = str[1:]
	}
	if str == "0" {
		return Decimal{}, nil
	}
	trimmed := strings.TrimRight(str, "0")
	r.Digits = trimmed
	r.Exp = len(str) + scale
	return r, r.check()
}

// Normalize returns s as DynamoDB stores it, or the parse error.
func Normalize(s string) (string, error) {
	d, err := ParseNumber(s)
	if err != nil {
		return "", err
	}
	if canonicalInteger(s) {
		return s, nil
	}
	return d.String(), nil
}

// canonicalInteger reports whether s is an integer as Decimal.String
// writes it: "0", or an optional minus sign and digits without a leading
// zero.
func canonicalInteger(s string) bool {
	if s == "0" {
		return true
	}
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if s == "" || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// TypeOf returns the data type of v ("S", "N", "B", "SS", "NS", "BS", "M",
// "L", "NULL", "BOOL"), or "" when none is set.
func TypeOf(v *api.AttributeValue) string {
	switch {
	case v.S != nil:
		return "S"
	case v.N != nil:
		return "N"
	case v.B != nil:
		return "B"
	case v.SS != nil:
		return "SS"
	case v.NS != nil:
		return "NS"
	case v.BS != nil:
		return "BS"
	case v.M != nil:
		return "M"
	case v.L != nil:
		return "L"
	case v.NULL != nil:
		return "NULL"
	case v.BOOL != nil:
		return "BOOL"
	}
	return ""
}

// CountTypes returns how many data types v sets.
func CountTypes(v *api.AttributeValue) int {
	n := 0
	for _, set := range []bool{v.S != nil, v.N != nil, v.B != nil, v.SS != nil, v.NS != nil, v.BS != nil, v.M != nil, v.L != nil, v.NULL != nil, v.BOOL != nil} {
		if set {
			n++
		}
	}
	return n
}

func numEqual(a, b string) bool {
	if a == b {
		return true
	}
	x, err1 := parseDecimal(a)
	y, err2 := parseDecimal(b)
	return err1 == nil && err2 == nil && x.Compare(y) == 0
}

// Equal reports whether a and b are the same DynamoDB value: numbers
// compare numerically and sets regardless of order.
func Equal(a, b *api.AttributeValue) bool {
	ta := TypeOf(a)
	if ta != TypeOf(b) {
		return false
	}
	switch ta {
	case "S":
		return *a.S == *b.S
	case "N":
		return numEqual(*a.N, *b.N)
	case "B":
		return bytes.Equal(a.B, b.B)
	case "BOOL":
		return *a.BOOL == *b.BOOL
	case "NULL":
		return true
	case "SS":
		return sameSet(len(a.SS), len(b.SS), func(i, j int) bool { return a.SS[i] == b.SS[j] })
	case "NS":
		return sameSet(len(a.NS), len(b.NS), func(i, j int) bool { return numEqual(a.NS[i], b.NS[j]) })
	case "BS":
		return sameSet(len(a.BS), len(b.BS), func(i, j int) bool { return bytes.Equal(a.BS[i], b.BS[j]) })
	case "L":
		if len(a.L) != len(b.L) {
			return false
		}
		for i := range a.L {
			if !Equal(&a.L[i], &b.L[i]) {
				return false
			}
		}
		return true
	case "M":
		if len(a.M) != len(b.M) {
			return false
		}
		for k, v := range a.M {
			w, ok := b.M[k]
			if !ok || !Equal(&v, &w) {
				return false
			}
		}
		return true
	}
	return false
}

func sameSet(na, nb int, eq func(i, j int) bool) bool {
	if na != nb {
		return false
	}
	for i := 0; i < na; i++ {
		found := false
		for j := 0; j < nb; j++ {
			if eq(i, j) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Compare orders two scalars of the same type (S, N or B); ok is false for
// any other pair.
func Compare(a, b *api.AttributeValue) (c int, ok bool) {
	ta := TypeOf(a)
	if ta != TypeOf(b) {
		return 0, false
	}
	switch ta {
	case "S":
		return strings.Compare(*a.S, *b.S), true
	case "B":
		return bytes.Compare(a.B, b.B), true
	case "N":
		x, err1 := parseDecimal(*a.N)
		y, err2 := parseDecimal(*b.N)
		if err1 != nil || err2 != nil {
			return 0, false
		}
		return x.Compare(y), true
	}
	return 0, false
}

// typeNames are the names AWS's update-expression type errors use.
var typeNames = map[string]string{
	"S": "STRING", "N": "NUMBER", "B": "BINARY", "SS": "STRING_SET", "NS": "NUMBER_SET",
	"BS": "BINARY_SET", "M": "MAP", "L": "LIST", "NULL": "NULL", "BOOL": "BOOLEAN",
}
