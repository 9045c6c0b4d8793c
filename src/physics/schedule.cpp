// Schedule syntax (a deck value; tokens are separated by whitespace, and '[', ':' and ']' are
// tokens of their own, so "[0:100]" and "[ 0 : 100 ]" are the same):
//
//   schedule  := [ "warmup" STEP ] ( constant | ramp | piecewise )
//                (warmup W: the value is scaled by (step+1)/W for step < W, a learning-rate
//                warm-up)
//   constant  := REAL | "constant" REAL
//   ramp      := ("linear" | "exp" | "cosine") REAL REAL [ "[" STEP ":" STEP "]" ]
//   piecewise := "piecewise" REAL STEP REAL { STEP REAL }
//   REAL      := finite decimal number, optional sign and exponent (parse_real, core/text.hpp)
//   STEP      := integer >= 0 (a step number)
//
// Ramps hold V0 up to START, V1 from END on, and in between, with s = (step-START)/(END-START):
//   linear  V0 + (V1-V0) s
//   exp     V0 (V1/V0)^s                    (V0, V1 non-zero, same sign: geometric)
//   cosine  V1 + (V0-V1) (1 + cos(pi s))/2   (cosine learning-rate decay)
// The range defaults to [0:total_steps]; END <= START is an error. piecewise V0 S1 V1 S2 V2 ...
// is V0 for step < S1, V1 for S1 <= step < S2, ...; the breaks S_k are strictly increasing.
// at() is a pure function of the step (no accumulation), so restarts see identical values.
#include "ssbsim/physics/schedule.hpp"

#include "ssbsim/core/errors.hpp"
#include "ssbsim/core/text.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numbers>

namespace ssbsim {
namespace {

constexpr std::string_view any_form = "'V', 'constant V', 'linear V0 V1 [START:END]', "
                                      "'exp V0 V1 [START:END]', 'cosine V0 V1 [START:END]' "
                                      "or 'piecewise V0 S1 V1 [S2 V2 ...]'";

struct KindName {
    ScheduleKind kind;
    std::string_view word;
};
constexpr KindName kind_names[] = {{ScheduleKind::constant, "constant"},
                                   {ScheduleKind::linear, "linear"},
                                   {ScheduleKind::exponential, "exp"},
                                   {ScheduleKind::cosine, "cosine"},
                                   {ScheduleKind::piecewise, "piecewise"}};

std::string_view word_of(ScheduleKind kind) {
    for (const KindName& k : kind_names)
        if (k.kind == kind) return k.word;
    return "?";
}

std::string form_of(ScheduleKind kind) {
    switch (kind) {
    case ScheduleKind::constant:
        return "'constant V'";
    case ScheduleKind::piecewise:
        return "'piecewise V0 S1 V1 [S2 V2 ...]'";
    default:
        return "'" + std::string(word_of(kind)) + " V0 V1 [START:END]'";
    }
}

std::vector<std::string_view> tokenize(std::string_view text) {
    std::vector<std::string_view> tokens;
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (c == '[' || c == ':' || c == ']') {
            tokens.push_back(text.substr(i++, 1));
        } else {
            const std::size_t end = text.find_first_of(" \t\r\n\f\v[:]", i);
            tokens.push_back(text.substr(i, end - i));
            i = end == std::string_view::npos ? text.size() : end;
        }
    }
    return tokens;
}

// Reads the tokens of one schedule in order; every error names the form that was expected.
class Cursor {
  public:
    Cursor(std::vector<std::string_view> tokens, ScheduleKind kind)
        : tokens_(std::move(tokens)), form_(form_of(kind)) {}

    bool done() const { return next_ == tokens_.size(); }
    std::string_view peek() const { return done() ? std::string_view{} : tokens_[next_]; }

    std::string_view take(std::string_view what) {
        if (done()) fail("missing " + std::string(what));
        return tokens_[next_++];
    }
    double real(std::string_view what) {
        const std::string_view t = take(what);
        const std::optional<double> v = parse_real(t);
        if (!v) fail(std::string(what) + " '" + std::string(t) + "' is not a real number");
        return *v;
    }
    std::int64_t step(std::string_view what) {
        const std::string_view t = take(what);
        const std::optional<std::int64_t> v = parse_integer(t);
        if (!v || *v < 0)
            fail(std::string(what) + " '" + std::string(t) + "' is not a step number (>= 0)");
        return *v;
    }
    void expect(std::string_view token, std::string_view what) {
        if (take(what) != token) fail(std::string(what) + " must be '" + std::string(token) + "'");
    }
    void finish() {
        if (!done()) fail("unexpected '" + std::string(peek()) + "' at the end");
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw InputError(what + "; expected " + form_);
    }

  private:
    std::vector<std::string_view> tokens_;
    std::size_t next_ = 0;
    std::string form_;
};

ScheduleKind kind_of(std::string_view word) {
    for (const KindName& k : kind_names)
        if (k.word == word) return k.kind;
    throw InputError("unknown schedule kind '" + std::string(word) + "'; expected " +
                     std::string(any_form));
}

void parse_ramp(Cursor& in, Schedule& s, std::int64_t total_steps) {
    s.values = {in.real("V0"), in.real("V1")};
    s.start = 0;
    s.end = total_steps;
    if (!in.done()) {
        in.expect("[", "the range after V1");
        s.start = in.step("START");
        in.expect(":", "the separator between START and END");
        s.end = in.step("END");
        in.expect("]", "the end of the range");
    }
    in.finish();
    if (s.end <= s.start)
        throw InputError("schedule ends before it starts: [" + std::to_string(s.start) + ":" +
                         std::to_string(s.end) + "] (the range defaults to [0:total steps])");
    const bool same_sign =
        (s.values[0] > 0 && s.values[1] > 0) || (s.values[0] < 0 && s.values[1] < 0);
    if (s.kind == ScheduleKind::exponential && !same_sign)
        in.fail("exp interpolates geometrically: V0 and V1 must be non-zero and of the same sign, "
                "not " +
                format_real(s.values[0]) + " and " + format_real(s.values[1]));
}

void parse_piecewise(Cursor& in, Schedule& s) {
    s.values = {in.real("V0")};
    do {
        const std::int64_t at = in.step("break S" + std::to_string(s.values.size()));
        if (!s.breaks.empty() && at <= s.breaks.back())
            in.fail("breaks must increase strictly, but " + std::to_string(at) + " follows " +
                    std::to_string(s.breaks.back()));
        s.breaks.push_back(at);
        s.values.push_back(in.real("V" + std::to_string(s.values.size())));
    } while (!in.done());
}

double ramp_at(const Schedule& s, std::int64_t step) {
    const double v0 = s.values[0];
    const double v1 = s.values[1];
    if (step <= s.start) return v0;
    if (step >= s.end) return v1;
    const double x = static_cast<double>(step - s.start) / static_cast<double>(s.end - s.start);
    switch (s.kind) {
    case ScheduleKind::exponential:
        return v0 * std::pow(v1 / v0, x);
    case ScheduleKind::cosine:
        return v1 + (v0 - v1) * 0.5 * (1.0 + std::cos(std::numbers::pi * x));
    default:
        return v0 + (v1 - v0) * x;
    }
}

} // namespace

Schedule parse_schedule(std::string_view text, std::int64_t total_steps) {
    std::vector<std::string_view> tokens = tokenize(text);
    if (tokens.empty()) throw InputError("empty schedule; expected " + std::string(any_form));
    std::int64_t warmup = 0;
    if (tokens.front() == "warmup") {
        const std::optional<std::int64_t> w =
            tokens.size() > 2 ? parse_integer(tokens[1]) : std::nullopt;
        if (!w || *w < 1)
            throw InputError("'warmup W SCHEDULE' needs a number of steps W >= 1 and a schedule");
        warmup = *w;
        tokens.erase(tokens.begin(), tokens.begin() + 2);
    }
    Schedule s;
    s.warmup = warmup;
    if (parse_real(tokens.front())) {
        s.kind = ScheduleKind::constant;
        tokens.insert(tokens.begin(), "constant");
    } else {
        s.kind = kind_of(tokens.front());
    }
    Cursor in(std::move(tokens), s.kind);
    in.take("kind");
    switch (s.kind) {
    case ScheduleKind::constant:
        s.values = {in.real("V")};
        in.finish();
        break;
    case ScheduleKind::piecewise:
        parse_piecewise(in, s);
        break;
    default:
        parse_ramp(in, s, total_steps);
    }
    return s;
}

double Schedule::at(std::int64_t step) const {
    // A linear warm-up from ~0, as for learning rates: never exactly 0, a step size must be > 0.
    const double ramp_up =
        warmup > 0 && step < warmup ? static_cast<double>(step + 1) / warmup : 1.0;
    switch (kind) {
    case ScheduleKind::constant:
        return ramp_up * values[0];
    case ScheduleKind::piecewise:
        return ramp_up *
               values[std::upper_bound(breaks.begin(), breaks.end(), step) - breaks.begin()];
    default:
        return ramp_up * ramp_at(*this, step);
    }
}

Schedule Schedule::scaled(double factor) const {
    Schedule s = *this;
    for (double& v : s.values)
        v *= factor; // every kind, exp included, is homogeneous
    return s;
}

std::string Schedule::text() const {
    std::string out = warmup > 0 ? "warmup " + std::to_string(warmup) + " " : "";
    out += word_of(kind);
    switch (kind) {
    case ScheduleKind::constant:
        return out + " " + format_real(values[0]);
    case ScheduleKind::piecewise:
        out += " " + format_real(values[0]);
        for (std::size_t k = 0; k < breaks.size(); ++k)
            out += " " + std::to_string(breaks[k]) + " " + format_real(values[k + 1]);
        return out;
    default:
        return out + " " + format_real(values[0]) + " " + format_real(values[1]) + " [" +
               std::to_string(start) + ":" + std::to_string(end) + "]";
    }
}

} // namespace ssbsim
