package bench

import (
	"testing"
	"time"
)

func TestBucketRangeContainsValue(t *testing.T) {
	values := []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 4095, 4096, 1 << 20, 123456789, 1<<40 + 12345, 1<<63 + 1}
	for _, v := range values {
		i := bucketOf(v)
		lo, hi := bucketRange(i)
		if v < lo || v > hi {
			t.Errorf("bucketOf(%d) = %d with range [%d, %d], which does not contain it", v, i, lo, hi)
		}
		if lo >= histogramSubCount && float64(hi-lo+1)/float64(lo) > 1.0/histogramSubCount+1e-12 {
			t.Errorf("bucket %d [%d, %d] is wider than 1/%d of its lower bound", i, lo, hi, histogramSubCount)
		}
		if i >= histogramBuckets {
			t.Errorf("bucketOf(%d) = %d, beyond %d buckets", v, i, histogramBuckets)
		}
	}
	if i := bucketOf(^uint64(0)); i != histogramBuckets-1 {
		t.Errorf("bucketOf(max uint64) = %d, want the last bucket %d", i, histogramBuckets-1)
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0, time.Microsecond},
		{0.5, 500 * time.Microsecond},
		{0.99, 990 * time.Microsecond},
		{1, 1000 * time.Microsecond},
	}
	for _, tt := range tests {
		got := h.Quantile(tt.q)
		if diff := float64(got-tt.want) / float64(tt.want); diff > 0.008 || diff < -0.008 {
			t.Errorf("Quantile(%v) = %v, want %v within 0.8%%", tt.q, got, tt.want)
		}
	}
	if h.Count() != 1000 || h.Min() != time.Microsecond || h.Max() != time.Millisecond {
		t.Errorf("Count, Min, Max = %d, %v, %v; want 1000, 1µs, 1ms", h.Count(), h.Min(), h.Max())
	}
	if got, want := h.Mean(), 500500*time.Nanosecond; got != want {
		t.Errorf("Mean() = %v, want %v", got, want)
	}
}

func TestHistogramEmptyAndNegative(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Mean() != 0 || h.Count() != 0 {
		t.Errorf("empty histogram: Quantile %v, Mean %v, Count %d; want zeros", h.Quantile(0.5), h.Mean(), h.Count())
	}
	h.Record(-time.Second)
	if h.Count() != 1 || h.Max() != 0 {
		t.Errorf("after Record(-1s): Count %d, Max %v; want 1, 0", h.Count(), h.Max())
	}
}

func TestHistogramMergeEqualsRecordingAll(t *testing.T) {
	var a, b, all Histogram
	for i := range 500 {
		d := time.Duration(i*i) * time.Microsecond
		all.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	var merged Histogram
	merged.Merge(&a)
	merged.Merge(&b)
	merged.Merge(&Histogram{})
	if merged != all {
		t.Errorf("merging two halves differs from recording all: count %d vs %d, min %v vs %v, max %v vs %v",
			merged.Count(), all.Count(), merged.Min(), all.Min(), merged.Max(), all.Max())
	}
}

func TestHistogramRecordDoesNotAllocate(t *testing.T) {
	h := &Histogram{}
	allocs := testing.AllocsPerRun(1000, func() { h.Record(1234 * time.Microsecond) })
	if allocs != 0 {
		t.Errorf("Record allocates %v times per call, want 0", allocs)
	}
}
