package perf

import "strconv"

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
