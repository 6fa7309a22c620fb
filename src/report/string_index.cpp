#include "report/string_index.hpp"

#include <bit>
#include <cstring>

namespace sweep::report {

std::uint64_t StringIndex::hash(std::string_view key) {
  // Eight bytes a step (a multiply and a rotate, as in wyhash's kin), the
  // tail byte by byte, then splitmix64's finaliser: the slot is taken from
  // the high half, so every input bit must reach it.
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ key.size();
  const char* p = key.data();
  size_t n = key.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = std::rotl((h ^ w) * 0xbf58476d1ce4e5b9ULL, 29);
  }
  std::uint64_t tail = 0;
  for (size_t i = 0; i < n; ++i)
    tail |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i]))
            << (8 * i);
  h ^= tail;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

std::size_t StringIndex::probe(std::string_view key, std::uint64_t h) const {
  std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h >> 32 & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (!s.used || (s.hash == h && s.length == key.size() &&
                    std::string_view(text_).substr(s.offset, s.length) == key))
      return i;
  }
}

const std::uint32_t* StringIndex::find(std::string_view key) const {
  const Slot& s = slots_[probe(key, hash(key))];
  return s.used ? &s.value : nullptr;
}

std::uint32_t StringIndex::insert(std::string_view key, std::uint32_t value) {
  std::uint64_t h = hash(key);
  std::size_t i = probe(key, h);
  if (slots_[i].used) return slots_[i].value;
  slots_[i] = Slot{h, text_.size(), static_cast<std::uint32_t>(key.size()),
                   value, true};
  text_.append(key);
  if (++size_ * 4 > slots_.size() * 3) rehash(slots_.size() * 2);
  return value;
}

void StringIndex::rehash(std::size_t slots) {
  std::vector<Slot> old(slots);
  old.swap(slots_);
  std::size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (!s.used) continue;
    std::size_t i = s.hash >> 32 & mask;
    while (slots_[i].used) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

}  // namespace sweep::report
