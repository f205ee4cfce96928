// WalkOrder: which node walk number w starts from.
//
// Walks come in rounds of one walk per node; each round visits the nodes in
// its own pseudo-random order, as the reference shuffles its node list per
// round. The order is a keyed Feistel permutation with cycle walking, so it
// needs no memory and start(w) is O(1) for any w.
#ifndef N2V_INTERNAL_WALK_ORDER_H_
#define N2V_INTERNAL_WALK_ORDER_H_

#include <cstdint>

#include "n2v/random.h"

namespace n2v::internal {

class WalkOrder {
 public:
  WalkOrder(uint32_t num_nodes, uint64_t seed)
      : n_(num_nodes), seed_(seed) {
    while ((uint64_t{1} << (2 * half_bits_)) < n_) ++half_bits_;
    mask_ = (uint64_t{1} << half_bits_) - 1;
  }

  // Walks per round.
  uint64_t size() const { return n_; }

  uint32_t Start(uint64_t walk) const {
    const uint64_t round = walk / n_;
    uint64_t x = walk % n_;
    const uint64_t key = DeriveSeed(seed_, 0x57a27, round);
    do {
      x = Permute(x, key);
    } while (x >= n_);
    return static_cast<uint32_t>(x);
  }

 private:
  uint64_t Permute(uint64_t x, uint64_t key) const {
    uint64_t left = x >> half_bits_, right = x & mask_;
    for (uint64_t r = 0; r < 4; ++r) {
      const uint64_t next = left ^ (Mix64(key + (r << 32) + right) & mask_);
      left = right;
      right = next;
    }
    return (left << half_bits_) | right;
  }

  uint64_t n_;
  uint64_t seed_;
  int half_bits_ = 0;
  uint64_t mask_ = 0;
};

}  // namespace n2v::internal

#endif  // N2V_INTERNAL_WALK_ORDER_H_
