package db

import "testing"

// Any number of rows is cut into chunks of the fixed sizes alone, adding
// up to the rows.
func TestChunkSize(t *testing.T) {
	allowed := map[int]bool{256: true, 64: true, 16: true, 4: true, 1: true}
	for _, n := range []int{1, 3, 4, 17, 255, 256, 1911, 5000} {
		sum := 0
		for left := n; left > 0; {
			k := ChunkSize(left)
			if !allowed[k] || k > left {
				t.Fatalf("%d rows: a chunk of %d with %d left", n, k, left)
			}
			sum += k
			left -= k
		}
		if sum != n {
			t.Errorf("%d rows cut into chunks adding up to %d", n, sum)
		}
	}
}
