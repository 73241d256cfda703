"""The journeys logic, named by what it does; views and tasks stay thin."""
