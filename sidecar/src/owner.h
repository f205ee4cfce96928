// Owner: who a snapshot, named graph or job belongs to, and Caller: who a
// call comes from, as the AuthGate established it. Every lookup by id takes
// the Caller and finds only what it may see: its own work, or everyone's
// for an admin.
#ifndef N2V_SIDECAR_OWNER_H_
#define N2V_SIDECAR_OWNER_H_

#include <string>
#include <utility>

#include "n2v/v1/n2v.pb.h"

namespace n2v::sidecar {

struct Owner {
  std::string database;
  std::string user;

  bool operator==(const Owner&) const = default;
  // "user@database" (or "user"), for logs.
  std::string ToString() const {
    return database.empty() ? user : user + "@" + database;
  }
  v1::Owner ToProto() const {
    v1::Owner out;
    out.set_database(database);
    out.set_user(user);
    return out;
  }
};

class Caller {
 public:
  const std::string& peer() const { return peer_; }
  const Owner& owner() const { return owner_; }
  bool admin() const { return admin_; }
  // Whether this caller may see what `owner` owns.
  bool Sees(const Owner& owner) const { return admin_ || owner == owner_; }

 private:
  friend class AuthGate;
  Caller(std::string peer, Owner owner, bool admin)
      : peer_(std::move(peer)), owner_(std::move(owner)), admin_(admin) {}
  std::string peer_;
  Owner owner_;
  bool admin_ = false;
};

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_OWNER_H_
