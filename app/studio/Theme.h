#pragma once
// Light, dark, or the system's choice (the default): the platform's palette, or our dark one when
// the desktop prefers dark (GNOME's colour scheme, GTK_THEME=…:dark) and the platform gives none.
#include "app/studio/StudioSettings.h"

void applyTheme(Theme theme);
