#include "speed.h"

#include <assert.h>

static const struct speed_step steps[] = {
    {1000, "0.001x"}, {2000, "0.002x"}, {5000, "0.005x"}, {10000, "0.01x"},  {20000, "0.02x"},
    {50000, "0.05x"}, {100000, "0.1x"}, {200000, "0.2x"}, {250000, "0.25x"}, {500000, "0.5x"},
    {1000000, "1x"},  {2000000, "2x"},  {5000000, "5x"},  {10000000, "10x"},
};

_Static_assert(SPEED_DEFAULT < (int)(sizeof(steps) / sizeof(steps[0])), "default in the table");

int speed_count(void)
{
    return (int)(sizeof(steps) / sizeof(steps[0]));
}

const struct speed_step *speed_at(int i)
{
    assert(i >= 0 && i < speed_count());
    return &steps[i];
}

int speed_nearest(double factor)
{
    int best = SPEED_DEFAULT;
    double best_d = 1e9;

    if (!(factor > 0))
        return best;
    for (int i = 0; i < speed_count(); i++) {
        double r = (double)steps[i].vus_per_s / 1e6 / factor;
        double d = r >= 1 ? r : 1 / r;
        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

int speed_key(enum key_action act, int speed, int home)
{
    if (act == KA_SLOWER && speed > 0)
        return speed - 1;
    if (act == KA_FASTER && speed < speed_count() - 1)
        return speed + 1;
    if (act == KA_NORMAL_SPEED)
        return home;
    return speed;
}
