#pragma once
// Light, dark, or the system's palette (the default), applied to the whole application.
#include "app/studio/StudioSettings.h"

void applyTheme(Theme theme);
