package model

import "testing"

// BenchmarkLoadParallel is the gateway's per-request model lookup (two or
// three per request) from every worker at once.
func BenchmarkLoadParallel(b *testing.B) {
	if _, err := Load("s3"); err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if m, err := Load("s3"); m == nil || err != nil {
				b.Fatal(err)
			}
		}
	})
}
