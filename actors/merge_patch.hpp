#pragma once

// RFC 7396 merge patches beyond applying one: the dumped size a patch adds to
// a document (so a channel tracks its document's size without dumping it on
// every append) and the composition of two patches (so a slow subscriber of a
// state channel can be sent one patch for many). Pure functions on
// json_text values; no actors.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "actors/json_text.hpp"

namespace tidewire::json_text {

// The size of dump(v), computed without building it.
size_t dumped_size(const value& v);

// merge_patch(target, patch), returning how many bytes dump(target) grew
// (negative: shrank). Costs what the patch touches, not the document's size.
int64_t merge_patch_sized(value& target, const value& patch);

// One patch with the effect of `first` followed by `second`: for every
// document d, merge_patch(merge_patch(d, first), second) equals
// merge_patch(d, compose(first, second)). Not every pair has one: when
// `second` puts an object where `first` put a non-object (or deleted the
// member), the result must replace that member by an object, which a merge
// patch cannot say (an object patch merges into what is there). Then the
// answer is nullopt and the caller sends the whole document instead.
std::optional<value> compose(const value& first, const value& second);

} // namespace tidewire::json_text
