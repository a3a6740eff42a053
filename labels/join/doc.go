// Package join joins labels to the predictions they belong to.
//
// A label names its prediction by (model, id) and may come days after it,
// in any order. Recent keeps the newest predictions in memory, bounded by
// count; a label whose prediction has left it is looked up in the raw
// prediction log in storage, in batches. A label whose prediction is not
// found yet (the predictions topic may lag behind the labels topic) waits,
// bounded too, until the prediction arrives or its wait runs out. The join
// says of every label what became of it: joined, late (more than the
// model's label delay after its prediction, or for a prediction that came
// after its window had closed), duplicate (its prediction was
// already labelled) or unmatched, and the caller counts each.
//
// The joined rows carry the seq of the prediction's window, so that the
// window's performance can be recomputed from storage whenever a label
// lands in it.
package join
