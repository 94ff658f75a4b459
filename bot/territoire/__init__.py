"""The territory: communes, Missions Locales and their territories, public holidays."""
