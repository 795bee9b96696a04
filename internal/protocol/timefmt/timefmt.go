// Package timefmt formats and parses the timestamp forms AWS protocols use:
// epoch seconds, ISO 8601 and HTTP dates.
package timefmt

import (
	"math"
	"strconv"
	"time"
)

// ISO8601 formats t as AWS's XML protocols do: UTC with milliseconds,
// e.g. 2006-01-02T15:04:05.000Z.
func ISO8601(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// HTTPDate formats t as an RFC 7231 HTTP date (S3 Last-Modified).
func HTTPDate(t time.Time) string {
	return t.UTC().Format(time.RFC1123)[:26] + "GMT"
}

// AppendEpoch writes t as epoch seconds with up to millisecond precision.
func AppendEpoch(buf []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.AppendInt(buf, ms/1000, 10)
	}
	return strconv.AppendFloat(buf, float64(ms)/1000, 'f', -1, 64)
}

// FromEpoch converts fractional epoch seconds to a time, to the
// millisecond.
func FromEpoch(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1000))*int64(time.Millisecond)).UTC()
}

var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05",
	"20060102T150405Z",
	time.RFC1123,
	time.RFC1123Z,
	time.RFC850,
	time.ANSIC,
	"2006-01-02",
}

// Parse reads a timestamp in any form AWS accepts in a string: ISO 8601
// (with or without fraction and zone), HTTP dates, or epoch seconds.
func Parse(s string) (time.Time, error) {
	var firstErr error
	for _, l := range layouts {
		t, err := time.Parse(l, s)
		if err == nil {
			return t.UTC(), nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		return FromEpoch(f), nil
	}
	return time.Time{}, firstErr
}
